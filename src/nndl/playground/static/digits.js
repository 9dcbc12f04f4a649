// The digit network tab: a drawing pad, the 784-16-16-10 network's activations, and backprop's nudges.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const d = { state: null, side: 28, drawing: false, last: null, result: null, loaded: false, pending: null };
  window.nndlDigits = d;

  function say(text) { $("digits-status").textContent = text; }

  async function load() {
    try {
      d.state = await window.nndlApi("/api/digits");
      d.side = d.state.side;
      describe();
      drawWeights();
    } catch (e) { say(e.message); }
  }

  function describe() {
    const s = d.state;
    const shape = s.layers.join("-");
    if (!s.trained) { say(`Data: ${s.source}. The ${shape} network is not trained yet: press “Train the network”.`); return; }
    const h = s.history.at(-1);
    if (!h) { say(`Data: ${s.source}. The ${shape} network was loaded from ${s.loaded_from}. Draw a digit.`); return; }
    say(`Data: ${s.source}. ${shape} network trained by nndl for ${h.epochs} epochs: test accuracy ` +
        `${(100 * h.test_accuracy).toFixed(1)}%, test cost ${h.test_cost.toFixed(4)}. Draw a digit.`);
  }

  d.show = function () { if (!d.loaded) { d.loaded = true; load(); } };

  // ------------------------------------------------------------------ the pad
  function padPoint(e) {
    const r = $("pad").getBoundingClientRect();
    return [(e.clientX - r.left) * ($("pad").width / r.width), (e.clientY - r.top) * ($("pad").height / r.height)];
  }

  function wirePad() {
    const pad = $("pad"), ctx = pad.getContext("2d", { willReadFrequently: true });
    clear();
    pad.addEventListener("pointerdown", (e) => { d.drawing = true; d.last = padPoint(e); stroke(d.last); pad.setPointerCapture(e.pointerId); });
    pad.addEventListener("pointermove", (e) => { if (d.drawing) { const p = padPoint(e); stroke(p); d.last = p; } });
    const end = () => { if (d.drawing) { d.drawing = false; predict(); } };
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    function stroke(p) {
      ctx.strokeStyle = "white"; ctx.lineWidth = 22; ctx.lineCap = "round"; ctx.lineJoin = "round";
      ctx.beginPath(); ctx.moveTo(d.last[0], d.last[1]); ctx.lineTo(p[0] + 0.01, p[1]); ctx.stroke();
    }
    $("digits-clear").addEventListener("click", clear);
    $("digits-train").addEventListener("click", train);
    $("digits-sample").addEventListener("click", sample);
    $("desired").addEventListener("change", predict);
  }

  function clear() {
    const ctx = $("pad").getContext("2d");
    ctx.fillStyle = "black"; ctx.fillRect(0, 0, $("pad").width, $("pad").height);
    $("pad-input").getContext("2d").clearRect(0, 0, 112, 112);
    $("digits-prediction").value = "–";
    d.result = null;
  }

  // As MNIST was made: the ink's bounding box scaled into a 20×20 box (of 28×28), centred.
  function padPixels() {
    const pad = $("pad"), side = d.side;
    const img = pad.getContext("2d").getImageData(0, 0, pad.width, pad.height).data;
    let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
    for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) {
      if (img[4 * (y * pad.width + x)] > 30) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
    if (x1 < 0) return null;
    const small = document.createElement("canvas");
    small.width = side; small.height = side;
    const ctx = small.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "black"; ctx.fillRect(0, 0, side, side);
    const box = side === 28 ? 20 : side, w = x1 - x0 + 1, h = y1 - y0 + 1, scale = box / Math.max(w, h);
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    const place = (dx, dy) => {
      ctx.fillStyle = "black"; ctx.fillRect(0, 0, side, side);
      ctx.drawImage(pad, x0, y0, w, h, (side - w * scale) / 2 + dx, (side - h * scale) / 2 + dy, w * scale, h * scale);
      return ctx.getImageData(0, 0, side, side).data;
    };
    let data = place(0, 0);
    if (side === 28) { // MNIST centres each digit's centre of mass in the 28×28 frame
      let mass = 0, mx = 0, my = 0;
      for (let i = 0; i < side * side; i++) { const v = data[4 * i]; mass += v; mx += v * (i % side); my += v * Math.floor(i / side); }
      if (mass > 0) data = place(Math.round((side - 1) / 2 - mx / mass), Math.round((side - 1) / 2 - my / mass));
    }
    const pixels = [];
    for (let i = 0; i < side * side; i++) pixels.push(Math.round((data[4 * i] / 255) * 1000) / 1000);
    const view = $("pad-input").getContext("2d");
    view.imageSmoothingEnabled = false;
    view.drawImage(small, 0, 0, 112, 112);
    return pixels;
  }

  // A test image drawn onto the pad (for keyboard users too), then read back like a drawing.
  async function sample() {
    let s;
    try {
      s = await window.nndlApi(`/api/digits/sample?index=${d.sampleIndex = (d.sampleIndex ?? -1) + 1}`);
    } catch (e) { say(e.message); return; }
    const side = d.side, small = document.createElement("canvas");
    small.width = side; small.height = side;
    const sctx = small.getContext("2d"), img = sctx.createImageData(side, side);
    s.pixels.forEach((v, i) => { const g = Math.round(255 * v); img.data.set([g, g, g, 255], 4 * i); });
    sctx.putImageData(img, 0, 0);
    const ctx = $("pad").getContext("2d", { willReadFrequently: true });
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, $("pad").width, $("pad").height);
    $("desired").value = String(s.label);
    d.lastSample = s;
    predict();
  }

  async function train() {
    $("digits-train").disabled = true;
    say("Training the digit network with nndl…");
    try {
      d.state = await window.nndlApi("/api/digits/train", { epochs: 10 });
      d.side = d.state.side;
      describe();
      drawWeights();
      predict();
    } catch (e) { say(e.message); }
    $("digits-train").disabled = false;
  }

  async function predict() {
    if (!d.state || !d.state.trained) return;
    const pixels = padPixels();
    if (!pixels) return;
    const label = $("desired").value === "" ? null : Number($("desired").value);
    try {
      d.result = await window.nndlApi("/api/digits/predict", { pixels, label });
    } catch (e) { say(e.message); return; }
    $("digits-prediction").value = String(d.result.prediction);
    drawActivations();
    drawNudges();
  }

  // ------------------------------------------------------------------ drawing results
  function grey(v) { const g = Math.round(255 * Math.max(0, Math.min(1, v))); return `rgb(${g},${g},${g})`; }
  function signed(v, scale) {
    const t = Math.max(-1, Math.min(1, v / (scale || 1)));
    const end = t >= 0 ? [8, 119, 189] : [245, 147, 34], a = Math.abs(t);
    return `rgb(${end.map((x) => Math.round(255 + (x - 255) * a)).join(",")})`;
  }

  function drawActivations() {
    const box = $("digits-layers");
    box.replaceChildren();
    const r = d.result;
    r.activations.slice(0, -1).forEach((layer, l) => {
      const row = document.createElement("div");
      row.className = "act-row";
      row.setAttribute("aria-label", `Hidden layer ${l + 1} activations`);
      const title = document.createElement("span"); title.textContent = `a[${l + 1}]`; row.append(title);
      layer.forEach((a, j) => {
        const c = document.createElement("span");
        c.className = "unit"; c.style.background = grey(a); c.title = `neuron ${j + 1}: ${a.toFixed(3)}`;
        row.append(c);
      });
      box.append(row);
    });
    const probs = $("digits-probs");
    probs.replaceChildren();
    r.probabilities.forEach((p, k) => {
      const row = document.createElement("div"); row.className = "bar-row";
      const label = document.createElement("span"); label.textContent = String(k);
      const bar = document.createElement("span"); bar.className = "bar"; bar.style.width = `${Math.round(200 * p)}px`;
      if (k === r.prediction) bar.classList.add("best");
      const value = document.createElement("span"); value.textContent = p.toFixed(3);
      row.append(label, bar, value); probs.append(row);
    });
  }

  function drawWeights() {
    const box = $("digits-weights");
    box.replaceChildren();
    if (!d.state || !d.state.incoming) return;
    d.state.incoming.forEach((w, j) => box.append(weightImage(w, `neuron ${j + 1}`)));
  }

  function weightImage(w, title) {
    const side = d.side, canvas = document.createElement("canvas");
    canvas.width = side; canvas.height = side; canvas.className = "wimg"; canvas.title = title;
    canvas.setAttribute("role", "img"); canvas.setAttribute("aria-label", title);
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(side, side);
    const scale = Math.max(1e-9, ...w.map(Math.abs));
    w.forEach((v, i) => {
      const t = v / scale, end = t >= 0 ? [8, 119, 189] : [245, 147, 34], a = Math.abs(t);
      img.data.set([...end.map((x) => Math.round(255 + (x - 255) * a)), 255], 4 * i);
    });
    ctx.putImageData(img, 0, 0);
    return canvas;
  }

  function barsRow(title, values) {
    const row = document.createElement("div"); row.className = "nudge-row";
    const t = document.createElement("span"); t.className = "nudge-title"; t.textContent = title; row.append(t);
    const scale = Math.max(1e-9, ...values.map(Math.abs));
    values.forEach((v, j) => {
      const c = document.createElement("span"); c.className = "unit";
      c.style.background = signed(v, scale); c.title = `${j}: ${v.toExponential(2)}`;
      row.append(c);
    });
    return row;
  }

  function drawNudges() {
    const box = $("nudges"), batch = $("batch-step");
    box.replaceChildren(); batch.replaceChildren();
    const n = d.result.nudge;
    if (!n) {
      const p = document.createElement("p"); p.textContent = "Choose the label this drawing should have to see its nudges.";
      box.append(p); return;
    }
    box.append(barsRow("output wants (Y − A)", n.output));
    for (let l = n.hidden.length - 1; l >= 0; l--) box.append(barsRow(`layer ${l + 1} activations`, n.hidden[l]));
    n.biases.forEach((b, l) => box.append(barsRow(`biases b[${l + 1}]`, b)));
    const wl = document.createElement("p");
    wl.textContent = "Nudges of each first-layer neuron's incoming weights (blue: increase, orange: decrease):";
    box.append(wl);
    const imgs = document.createElement("div"); imgs.className = "weights";
    n.weights[0].forEach((w, j) => imgs.append(weightImage(w, `nudge of neuron ${j + 1}'s weights`)));
    box.append(imgs);
    const b = d.result.batch;
    const p = document.createElement("p");
    p.textContent = `A mini-batch of ${b.labels.length} training images (labels ${b.labels.join(" ")}): each wants its own ` +
      "nudge of the output biases; their average is −∂J/∂b[3], and gradient descent moves b[3] by α × average " +
      `(α = ${b.learning_rate}).`;
    batch.append(p);
    b.per_example.forEach((row, i) => batch.append(barsRow(`example ${i + 1} (a ${b.labels[i]})`, row)));
    batch.append(barsRow("average", b.average));
    batch.append(barsRow("−∂J/∂b[3] (nndl)", b.gradient.map((g) => -g)));
  }

  document.addEventListener("DOMContentLoaded", wirePad);
})();
