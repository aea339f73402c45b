// The petition form, a progressive enhancement (without it the server checks everything and says what is wrong):
// a character counter under the fields that have one, and photos over the size limit made smaller before sending.
(function () {
  "use strict";
  var number = new Intl.NumberFormat("vi-VN");
  document.querySelectorAll("[data-max-chars]").forEach(function (field) {
    var max = Number(field.dataset.maxChars);
    var shown = document.getElementById(field.id + "-count");
    var said = document.getElementById(field.id + "-over");
    if (!shown) return;
    function count() {
      var n = field.value.length;
      var over = n > max;
      shown.textContent = number.format(n) + "/" + number.format(max) + " ký tự" + (over ? ": vượt quá " + number.format(n - max) + " ký tự, hãy rút gọn" : "");
      shown.classList.toggle("error", over);
      if (said && said.textContent !== (over ? "Vượt quá giới hạn ký tự" : "")) said.textContent = over ? "Vượt quá giới hạn ký tự" : "";
    }
    field.addEventListener("input", count);
    count();
  });

  var input = document.querySelector("input[type=file][data-max-bytes]");
  if (!input || !window.DataTransfer || !window.createImageBitmap) return;
  var limit = Number(input.dataset.maxBytes);
  var status = document.getElementById(input.id + "-status");
  function megabytes(bytes) { return number.format(Math.round(bytes / 104857.6) / 10) + " MB"; }
  function encoded(canvas, quality) {
    return new Promise(function (done) { canvas.toBlob(done, "image/jpeg", quality); });
  }
  async function smaller(file) {
    var image = await createImageBitmap(file);
    var side = Math.max(image.width, image.height);
    for (var longest = Math.min(side, 3200); longest >= 800; longest = Math.round(longest * 0.75)) {
      var scale = longest / side;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      var blob = await encoded(canvas, 0.85);
      if (blob && blob.size <= limit) {
        return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
      }
    }
    return file;  // still too large: the server says so
  }
  input.addEventListener("change", async function () {
    var large = Array.prototype.filter.call(input.files, function (f) { return f.size > limit && /^image\//.test(f.type); });
    if (!large.length) return;
    if (status) status.textContent = "Đang thu nhỏ ảnh…";
    var kept = new DataTransfer();
    var notes = [];
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      if (file.size > limit && /^image\//.test(file.type)) {
        try {
          var made = await smaller(file);
          notes.push(made === file ? "Ảnh “" + file.name + "” vẫn quá lớn." : "Đã thu nhỏ ảnh “" + file.name + "” (" + megabytes(file.size) + " → " + megabytes(made.size) + ").");
          file = made;
        } catch (e) {
          notes.push("Không thu nhỏ được ảnh “" + file.name + "”.");
        }
      }
      kept.items.add(file);
    }
    input.files = kept.files;
    if (status) status.textContent = notes.join(" ");
  });
})();
