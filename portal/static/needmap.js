/* The map of the need forms, loaded only when an admin configured a tile server
   (MAP_TILE_URL): drag to move, + − to zoom, tap to mark where the need is. The point goes
   into the form's hidden lat/lng fields; the server checks it lies in Beijing. Without this
   file (or a tile server) the form takes the typed address only. */
(function () {
  "use strict";

  var box = document.querySelector("[data-need-map]");
  if (!box) { return; }
  var map = box.querySelector(".need-map");
  var form = box.closest("form");
  var latInput = form.querySelector('input[name="lat"]');
  var lngInput = form.querySelector('input[name="lng"]');
  var said = box.querySelector(".map-picked");
  var tiles = map.getAttribute("data-tiles");
  var bounds = map.getAttribute("data-bounds").split(",").map(Number); /* S, W, N, E */
  var zoom = parseInt(map.getAttribute("data-zoom"), 10) || 15;
  var point = latInput.value && lngInput.value ? { lat: +latInput.value, lng: +lngInput.value } : null;
  var center = point || { lat: +map.getAttribute("data-lat"), lng: +map.getAttribute("data-lng") };

  function project(lat, lng, z) {
    var size = 256 * Math.pow(2, z);
    var sin = Math.sin(lat * Math.PI / 180);
    return { x: (lng + 180) / 360 * size, y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size };
  }

  function unproject(x, y, z) {
    var size = 256 * Math.pow(2, z);
    var n = Math.PI - 2 * Math.PI * y / size;
    return { lat: 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n))), lng: x / size * 360 - 180 };
  }

  var layer = document.createElement("div");
  var pin = document.createElement("div");
  pin.className = "map-pin";
  map.appendChild(layer);
  map.appendChild(pin);
  var zoomBox = document.createElement("div");
  zoomBox.className = "map-zoom";
  [["+", 1, "放大"], ["−", -1, "缩小"]].forEach(function (spec) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = spec[0];
    button.setAttribute("aria-label", spec[2]);
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      zoom = Math.max(11, Math.min(18, zoom + spec[1]));
      draw();
    });
    button.addEventListener("pointerdown", function (event) { event.stopPropagation(); });
    zoomBox.appendChild(button);
  });
  map.appendChild(zoomBox);
  var clear = document.createElement("button");
  clear.type = "button";
  clear.className = "map-clear";
  clear.textContent = "清除标出的位置";
  clear.addEventListener("click", function () { pick(null); });
  said.insertAdjacentElement("afterend", clear);
  box.hidden = false;

  function topLeft() {
    var c = project(center.lat, center.lng, zoom);
    return { x: c.x - map.clientWidth / 2, y: c.y - map.clientHeight / 2 };
  }

  function draw() {
    var origin = topLeft();
    var count = Math.pow(2, zoom);
    layer.textContent = "";
    for (var ty = Math.floor(origin.y / 256); ty * 256 < origin.y + map.clientHeight; ty++) {
      for (var tx = Math.floor(origin.x / 256); tx * 256 < origin.x + map.clientWidth; tx++) {
        if (ty < 0 || ty >= count) { continue; }
        var img = document.createElement("img");
        img.alt = "";
        img.src = tiles.replace("{z}", zoom).replace("{x}", ((tx % count) + count) % count).replace("{y}", ty);
        img.style.left = (tx * 256 - origin.x) + "px";
        img.style.top = (ty * 256 - origin.y) + "px";
        layer.appendChild(img);
      }
    }
    pin.hidden = !point;
    if (point) {
      var p = project(point.lat, point.lng, zoom);
      pin.style.left = (p.x - origin.x) + "px";
      pin.style.top = (p.y - origin.y) + "px";
    }
    clear.hidden = !point;
  }

  function pick(where) {
    if (where && !(where.lat >= bounds[0] && where.lat <= bounds[2] && where.lng >= bounds[1] && where.lng <= bounds[3])) {
      said.textContent = "这个位置不在北京市范围内，请重新选择。";
      return;
    }
    point = where;
    latInput.value = where ? where.lat.toFixed(6) : "";
    lngInput.value = where ? where.lng.toFixed(6) : "";
    said.textContent = where ? "已标出位置：北纬 " + where.lat.toFixed(5) + "，东经 " + where.lng.toFixed(5) : "没有标出位置。";
    draw();
  }

  var drag = null;
  map.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX, y: event.clientY, moved: 0 };
    map.setPointerCapture(event.pointerId);
  });
  map.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    drag.x = event.clientX;
    drag.y = event.clientY;
    drag.moved += Math.abs(dx) + Math.abs(dy);
    var c = project(center.lat, center.lng, zoom);
    center = unproject(c.x - dx, c.y - dy, zoom);
    draw();
  });
  map.addEventListener("pointerup", function (event) {
    if (drag && drag.moved < 6) {
      var rect = map.getBoundingClientRect();
      var origin = topLeft();
      pick(unproject(origin.x + event.clientX - rect.left, origin.y + event.clientY - rect.top, zoom));
    }
    drag = null;
  });
  map.addEventListener("pointercancel", function () { drag = null; });
  window.addEventListener("resize", draw);
  draw();
  if (point) { pick(point); }
})();
