// "In biên nhận": a progressive enhancement of the receipt (without it, the browser's own Print command does it).
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
