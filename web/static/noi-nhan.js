// The place on the petition form: suggestions from /api/units as the citizen types, and "Dùng vị trí của tôi".
(function () {
  "use strict";
  var input = document.getElementById("unit_text");
  var list = document.getElementById("unit-options");
  if (!input || !list) return;
  var timer = null;
  var asked = "";
  function suggest() {
    var q = input.value.trim();
    if (q.length < 2 || q === asked) return;
    asked = q;
    fetch("/api/units?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) {
        if (q !== asked) return;
        list.replaceChildren();
        body.results.slice(0, 20).forEach(function (u) {
          var option = document.createElement("option");
          option.value = u.level === "commune" && u.province_name ? u.name + ", " + u.province_name : u.name;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 250);
  });

  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  if (!button || !status || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Đang lấy vị trí của bạn…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        status.textContent = "Đã có vị trí của bạn: để trống ô “Nơi nhận” thì phản ánh được gửi đến xã/phường gần nhất.";
      },
      function () {
        status.textContent = "Không lấy được vị trí. Vui lòng ghi tên xã/phường và tỉnh/thành phố.";
      },
      { timeout: 15000, maximumAge: 60000 }
    );
  });
})();
