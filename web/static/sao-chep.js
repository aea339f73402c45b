// "Sao chép mã": a progressive enhancement of the confirmation page (without it the code is shown in full).
for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  const said = document.getElementById("copy-done");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      if (said) said.textContent = button.dataset.done || "Đã sao chép mã vào bộ nhớ tạm.";
    } catch {
      if (said) said.textContent = "Không sao chép được: hãy chép tay mã ở trên.";
    }
  });
}
