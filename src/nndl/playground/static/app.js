// nndl playground: the page talks to the local nndl server (JSON + server-sent events).
"use strict";

const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
const FEATURE_LABELS = { x1: "X₁", x2: "X₂", x1sq: "X₁²", x2sq: "X₂²", x1x2: "X₁X₂", sinx1: "sin(X₁)", sinx2: "sin(X₂)" };
const ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "leaky_relu"];
const MAX_LAYERS = 6, MAX_NEURONS = 8, DOMAIN = 6;
const CLASS_COLORS = [[245, 147, 34], [8, 119, 189], [60, 160, 80], [170, 70, 170], [200, 60, 60],
                      [120, 90, 40], [230, 110, 180], [110, 110, 110], [170, 170, 30], [30, 180, 190]];
const DEFAULTS = {
  dataset: "circle", classes: 2, noise: 0, ratio: 50, points: 500, seed: 1,
  features: ["x1", "x2"], layers: [4, 2], activations: ["tanh", "tanh"],
  lr: 0.03, l1: 0, l2: 0, batch: 10, optimizer: "gd", dropout: 0, batchnorm: false,
};
const NUMERIC = ["classes", "noise", "ratio", "points", "seed", "lr", "l1", "l2", "batch", "dropout"];

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);

const state = { config: null, session: null, events: null, points: null, snap: null, playing: false };
window.nndlPlayground = state; // for the curious (and the browser tests)

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

async function api(path, body, opts = {}) {
  const init = { method: body === undefined ? "GET" : "POST", headers: { "X-Nndl-Token": TOKEN } };
  if (body !== undefined) {
    if (typeof body === "string") { init.body = body; init.headers["Content-Type"] = "text/csv"; }
    else { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  }
  if (opts.keepalive) init.keepalive = true;
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Error("the nndl playground server is not answering (was it stopped?)");
  }
  const value = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(value.error || `request failed (${response.status})`);
  return value;
}

// ------------------------------------------------------------------ the URL holds the state
function configFromHash() {
  const c = structuredClone(DEFAULTS);
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [k, v] of params) {
    if (NUMERIC.includes(k)) c[k] = Number(v);
    else if (k === "features") c.features = v ? v.split(",") : [];
    else if (k === "layers") c.layers = v ? v.split(",").map(Number) : [];
    else if (k === "activations") c.activations = v ? v.split(",") : [];
    else if (k === "batchnorm") c.batchnorm = v === "1";
    else if (k in c) c[k] = v;
  }
  if (c.dataset === "upload") c.dataset = DEFAULTS.dataset; // an upload cannot travel in a URL
  return c;
}

function writeHash(c) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(c)) {
    if (k === "regression") continue;
    if (Array.isArray(v)) params.set(k, v.join(","));
    else if (typeof v === "boolean") params.set(k, v ? "1" : "0");
    else params.set(k, String(v));
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#${params}`);
}

// ------------------------------------------------------------------ controls
// The fields' own limits (min, max, step) are checked here first, so a mistyped value gets its
// message at once; the server checks everything again.
function readControls() {
  const c = current();
  c.dataset = $("dataset").value;
  for (const k of ["classes", "noise", "ratio", "points", "seed", "l1", "l2", "batch", "dropout"]) {
    const input = $(k), raw = input.value.trim();
    if (input.disabled) continue;
    if (raw === "" || !input.checkValidity()) {
      const label = input.closest("label").textContent.split(/[:\n]/)[0].trim();
      const whole = input.step === "1" ? "a whole number" : "a number";
      showMessage(`${label} must be ${whole} from ${input.min} to ${input.max} — kept the previous settings.`);
      return null;
    }
    c[k] = Number(raw);
  }
  if (!["gaussian", "spiral"].includes(c.dataset)) c.classes = 2; // only these have more classes
  c.lr = Number($("lr").value);
  c.optimizer = $("optimizer").value;
  c.batchnorm = $("batchnorm").checked;
  return c;
}

function writeControls(c) {
  $("dataset").value = c.dataset;
  for (const k of ["classes", "noise", "ratio", "points", "seed", "l1", "l2", "batch", "dropout"]) $(k).value = c[k];
  if (![...$("lr").options].some((o) => Number(o.value) === c.lr)) {
    const o = document.createElement("option"); o.textContent = String(c.lr); $("lr").append(o);
  }
  $("lr").value = [...$("lr").options].find((o) => Number(o.value) === c.lr).value;
  $("optimizer").value = c.optimizer;
  $("batchnorm").checked = c.batchnorm;
  $("ratio-out").value = c.ratio;
  $("noise-out").value = c.noise;
  $("classes").disabled = !["gaussian", "spiral"].includes(c.dataset);
  $("layer-count").value = c.layers.length;
}

// Any change starts again from scratch with the new configuration; a value the server
// refuses leaves the running configuration as it was, and the page says why.
// Edits build on the newest configuration asked for (not yet answered, perhaps) and are sent
// one after another, so quick successive edits all count, in order.
function current() { return structuredClone(state.wanted || state.config); }

function applyConfig(c) {
  if (c === null) { writeControls(state.config); return Promise.resolve(); }
  state.wanted = c;
  state.queue = (state.queue || Promise.resolve()).then(async () => {
    try {
      const { points } = await api(`/api/session/${state.session}/config`, { config: c });
      acceptPoints(points);
      showMessage("");
    } catch (e) {
      showMessage(`${e.message} — kept the previous settings.`);
      writeControls(state.config);
    }
    if (state.wanted === c) state.wanted = null;
  });
  return state.queue;
}

function acceptPoints(points) {
  state.points = points;
  state.config = points.config;
  state.playing = false;
  const uploadOption = $("dataset").querySelector('option[value="upload"]');
  uploadOption.disabled = points.config.dataset !== "upload";
  writeControls(state.config);
  if (points.config.dataset === "upload") $("classes").value = points.regression ? "" : points.classes;
  else writeHash(state.config);
  updatePlayButton();
  buildNetwork();
}

function updatePlayButton() {
  $("play").textContent = state.playing ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(state.playing));
}

async function act(action, extra = {}) {
  try {
    const r = await api(`/api/session/${state.session}/action`, { action, ...extra });
    state.playing = r.playing;
    updatePlayButton();
    if (r.error) showMessage(r.error);
    return r;
  } catch (e) { showMessage(e.message); }
}

function wireControls() {
  for (const id of ["dataset", "classes", "noise", "ratio", "points", "seed", "lr", "optimizer", "l1", "l2",
                    "batch", "dropout", "batchnorm"]) {
    $(id).addEventListener("change", () => applyConfig(readControls()));
  }
  $("noise").addEventListener("input", () => { $("noise-out").value = $("noise").value; });
  $("ratio").addEventListener("input", () => { $("ratio-out").value = $("ratio").value; });
  $("play").addEventListener("click", () => act(state.playing ? "pause" : "play"));
  $("step").addEventListener("click", async () => {
    const n = Number($("step-size").value);
    if (!Number.isInteger(n) || n < 1 || n > 1000) { showMessage("steps per Step must be a whole number from 1 to 1000"); return; }
    showMessage("");
    await act("step", { steps: n });
  });
  $("reset").addEventListener("click", () => act("reset"));
  $("regenerate").addEventListener("click", () => {
    const c = current();
    if (c.dataset === "upload") return;
    c.seed = (c.seed + 1) % 2147483648; // new points (and new initial weights) from the next seed
    applyConfig(c);
  });
  $("add-layer").addEventListener("click", () => {
    const c = current();
    if (c.layers.length >= MAX_LAYERS) return;
    c.layers.push(2); c.activations.push(c.activations.at(-1) || "tanh");
    applyConfig(c);
  });
  $("remove-layer").addEventListener("click", () => {
    const c = current();
    if (!c.layers.length) return;
    c.layers.pop(); c.activations.pop();
    applyConfig(c);
  });
  $("show-test").addEventListener("change", drawBoundary);
  $("discretize").addEventListener("change", drawBoundary);
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (!file) return;
    if (file.size > 256 * 1024) { showMessage("the CSV is larger than 256 KiB"); return; }
    try {
      const { points } = await api(`/api/session/${state.session}/upload`, await file.text());
      acceptPoints(points);
      showMessage("");
    } catch (e) { showMessage(e.message); }
  });
}

// ------------------------------------------------------------------ the network editor
function buildNetwork() {
  const c = state.config;
  const cols = $("net-columns");
  cols.replaceChildren();
  const features = document.createElement("div");
  features.className = "net-col";
  for (const f of FEATURES) {
    const node = neuronNode(`feature-${f}`, FEATURE_LABELS[f]);
    node.classList.toggle("inactive", !c.features.includes(f));
    node.setAttribute("role", "button");
    node.setAttribute("aria-pressed", String(c.features.includes(f)));
    node.setAttribute("aria-label", `Input feature ${FEATURE_LABELS[f]} (press to switch on or off)`);
    const toggle = () => {
      const cc = current();
      cc.features = cc.features.includes(f) ? cc.features.filter((x) => x !== f) : [...cc.features, f];
      applyConfig(cc);
    };
    node.addEventListener("click", toggle);
    node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
    features.append(node);
  }
  cols.append(features);
  c.layers.forEach((n, l) => {
    const col = document.createElement("div");
    col.className = "net-col";
    const head = document.createElement("div");
    head.className = "layer-head";
    const plus = button("+", `Add a neuron to hidden layer ${l + 1}`, () => changeNeurons(l, +1));
    const minus = button("−", `Remove a neuron from hidden layer ${l + 1}`, () => changeNeurons(l, -1));
    const select = document.createElement("select");
    select.id = `activation-${l + 1}`;
    select.setAttribute("aria-label", `Activation of hidden layer ${l + 1}`);
    for (const a of ACTIVATIONS) { const o = document.createElement("option"); o.value = a; o.textContent = a; select.append(o); }
    select.value = c.activations[l];
    select.addEventListener("change", () => {
      const cc = current(); cc.activations[l] = select.value; applyConfig(cc);
    });
    const count = document.createElement("span");
    count.textContent = `${n} neuron${n > 1 ? "s" : ""}`;
    head.append(plus, minus, count, select);
    col.append(head);
    for (let j = 0; j < n; j++) {
      const node = neuronNode(`neuron-${l + 1}-${j + 1}`, "");
      node.setAttribute("aria-label", `Neuron ${j + 1} of hidden layer ${l + 1}`);
      node.dataset.layer = l + 1; node.dataset.unit = j + 1;
      col.append(node);
    }
    cols.append(col);
  });
  const out = document.createElement("div");
  out.className = "net-col";
  const nOut = state.points.regression || state.points.classes === 2 ? 1 : state.points.classes;
  for (let j = 0; j < nOut; j++) {
    const node = neuronNode(`output-${j + 1}`, nOut > 1 ? `class ${j}` : "ŷ");
    node.dataset.layer = c.layers.length + 1; node.dataset.unit = j + 1;
    node.setAttribute("aria-label", `Output neuron ${j + 1}`);
    out.append(node);
  }
  cols.append(out);
  for (const node of cols.querySelectorAll(".neuron[data-layer]")) {
    const show = () => showNeuronTip(node);
    node.addEventListener("mouseenter", show);
    node.addEventListener("focus", show);
    node.addEventListener("mouseleave", hideTip);
    node.addEventListener("blur", hideTip);
  }
  requestAnimationFrame(() => { drawLinks(); drawNeurons(); });
}

function button(text, label, onClick) {
  const b = document.createElement("button");
  b.textContent = text; b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

function neuronNode(id, label) {
  const node = document.createElement("div");
  node.className = "neuron"; node.id = id; node.tabIndex = 0;
  const canvas = document.createElement("canvas");
  canvas.width = 16; canvas.height = 16;
  node.append(canvas);
  if (label) { const s = document.createElement("span"); s.textContent = label; node.append(s); }
  return node;
}

function changeNeurons(l, delta) {
  const c = current();
  const n = c.layers[l] + delta;
  if (n < 1 || n > MAX_NEURONS) return;
  c.layers[l] = n;
  applyConfig(c);
}

// Links: one SVG path per weight W[l][j][k], coloured by sign and as thick as |w|.
function drawLinks() {
  const svg = $("links");
  svg.replaceChildren();
  const snap = state.snap;
  if (!snap || !state.config || snap.weights.length !== state.config.layers.length + 1) return;
  const net = $("net").getBoundingClientRect();
  svg.setAttribute("width", net.width); svg.setAttribute("height", net.height);
  const columns = [...$("net-columns").children].map((col) =>
    [...col.querySelectorAll(".neuron")].filter((n) => !n.classList.contains("inactive")));
  snap.weights.forEach((W, l) => {
    const from = columns[l], to = columns[l + 1];
    if (!from || !to || W.length !== to.length || (W[0] || []).length !== from.length) return;
    const maxAbs = Math.max(1e-9, ...W.flat().map(Math.abs));
    W.forEach((row, j) => row.forEach((w, k) => {
      const a = from[k].getBoundingClientRect(), b = to[j].getBoundingClientRect();
      const x1 = a.right - net.left, y1 = a.top + a.height / 2 - net.top;
      const x2 = b.left - net.left, y2 = b.top + b.height / 2 - net.top;
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const mid = (x1 + x2) / 2;
      path.setAttribute("d", `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`);
      path.setAttribute("stroke", w >= 0 ? "rgb(8,119,189)" : "rgb(245,147,34)");
      path.setAttribute("stroke-width", String(0.5 + 5 * Math.abs(w) / maxAbs));
      path.setAttribute("fill", "none");
      path.setAttribute("class", "link");
      path.addEventListener("mouseenter", (e) => showLinkTip(e, l, j, k));
      path.addEventListener("mouseleave", hideTip);
      svg.append(path);
    }));
  });
}

function showLinkTip(e, l, j, k) {
  const s = state.snap;
  const w = s.weights[l][j][k], dw = s.dweights[l][j][k];
  tip(`W${l + 1}[${j + 1},${k + 1}] = ${fmt(w)}   ∂J/∂w = ${fmt(dw)}`, e.clientX, e.clientY);
}

function showNeuronTip(node) {
  const s = state.snap;
  if (!s) return;
  const l = Number(node.dataset.layer) - 1, j = Number(node.dataset.unit) - 1;
  if (!s.biases[l]) return;
  const hidden = s.neurons[l + 1] && s.neurons[l + 1][j];
  if (hidden && l < state.config.layers.length) drawBoundary(hidden); // its heat map, large
  const r = node.getBoundingClientRect();
  const incoming = s.weights[l][j].map((w, k) => `w${k + 1} = ${fmt(w)} (∂J/∂w ${fmt(s.dweights[l][j][k])})`);
  tip(`b${l + 1}[${j + 1}] = ${fmt(s.biases[l][j])}   ∂J/∂b = ${fmt(s.dbiases[l][j])}\nincoming: ${incoming.join(", ")}`,
      r.right, r.top);
}

function tip(text, x, y) {
  const t = $("tooltip");
  t.textContent = text; t.hidden = false;
  t.style.left = `${x + 8 + window.scrollX}px`; t.style.top = `${y + window.scrollY}px`;
}
function hideTip() {
  if (!$("tooltip").hidden) drawBoundary();
  $("tooltip").hidden = true;
}
const fmt = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

// ------------------------------------------------------------------ heat maps
function valueColor(v) { // v in [-1, 1]: orange … white … blue, as TensorFlow Playground
  v = Math.max(-1, Math.min(1, v));
  const end = v >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0], t = Math.abs(v);
  return [0, 1, 2].map((i) => Math.round(255 + (end[i] - 255) * t));
}

function paintGrid(canvas, n, colorAt) {
  const small = document.createElement("canvas");
  small.width = n; small.height = n;
  const ctx = small.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = colorAt(i);
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  const out = canvas.getContext("2d");
  out.imageSmoothingEnabled = true;
  out.clearRect(0, 0, canvas.width, canvas.height);
  out.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function drawNeurons() {
  const s = state.snap;
  if (!s || !state.config) return;
  const columns = [...$("net-columns").children];
  const n = Math.round(Math.sqrt(s.neurons[0][0].length));
  const paint = (node, values, fixedScale) => {
    const canvas = node.querySelector("canvas");
    const scale = fixedScale || Math.max(1e-9, ...values.map(Math.abs));
    paintGrid(canvas, n, (i) => valueColor(values[i] / scale));
  };
  const feats = columns[0] ? [...columns[0].children] : [];
  let active = 0;
  feats.forEach((node) => {
    if (!node.classList.contains("inactive") && s.neurons[0][active]) paint(node, s.neurons[0][active++]);
  });
  s.neurons.slice(1).forEach((layer, l) => {
    const nodes = columns[l + 1] ? [...columns[l + 1].querySelectorAll(".neuron")] : [];
    const isOutput = l + 2 === s.neurons.length;
    layer.forEach((values, j) => { if (nodes[j]) paint(nodes[j], values, isOutput ? 1 : 0); });
  });
}

// The output over the plane with the points; or, given a neuron's values, that neuron's map.
function drawBoundary(neuron) {
  const s = state.snap, p = state.points;
  const canvas = $("boundary");
  if (!s || !p) return;
  if (Array.isArray(neuron)) {
    const scale = Math.max(1e-9, ...neuron.map(Math.abs));
    paintGrid(canvas, Math.round(Math.sqrt(neuron.length)), (i) => valueColor(neuron[i] / scale));
    return;
  }
  const n = Math.round(Math.sqrt((s.output.values || s.output.classes).length));
  const discrete = $("discretize").checked;
  if (s.output.kind === "value") {
    paintGrid(canvas, n, (i) => {
      let v = s.output.values[i];
      if (discrete) v = v >= 0 ? 1 : -1;
      return valueColor(v * 0.8);
    });
  } else {
    paintGrid(canvas, n, (i) => {
      const c = CLASS_COLORS[s.output.classes[i]];
      const t = discrete ? 0.6 : 0.75 * s.output.confidence[i];
      return c.map((x) => Math.round(255 + (x - 255) * t));
    });
  }
  const ctx = canvas.getContext("2d");
  const toPx = (x) => ((x + DOMAIN) / (2 * DOMAIN)) * canvas.width;
  const toPy = (y) => ((DOMAIN - y) / (2 * DOMAIN)) * canvas.height;
  const draw = (pts, test) => {
    for (const [x, y, label] of pts) {
      const color = p.regression ? valueColor(label) : CLASS_COLORS[label];
      ctx.beginPath();
      ctx.arc(toPx(x), toPy(y), 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${color.join(",")})`;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = test ? "black" : "white";
      ctx.stroke();
    }
  };
  draw(p.train, false);
  if ($("show-test").checked) draw(p.test, true);
}

function drawLossChart() {
  const s = state.snap;
  const canvas = $("loss-chart"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const h = s.history.filter((r) => r[1] !== null && r[2] !== null);
  if (h.length < 2) return;
  const maxLoss = Math.max(1e-9, ...h.map((r) => Math.max(r[1], r[2])));
  const lastStep = Math.max(1, h.at(-1)[0]);
  for (const [col, color] of [[1, "#999"], [2, "#000"]]) {
    ctx.beginPath();
    h.forEach((r, i) => {
      const x = (r[0] / lastStep) * (canvas.width - 2) + 1, y = canvas.height - 2 - (r[col] / maxLoss) * (canvas.height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.stroke();
  }
}

function acceptSnapshot(s) {
  const structureChanged = !state.snap || state.snap.data_version !== s.data_version;
  state.snap = s;
  if (s.data_version !== (state.points && state.points.data_version)) return; // wait for its points
  state.playing = s.playing;
  updatePlayButton();
  $("step-count").value = s.step;
  const loss = (v) => (v === null ? "–" : v.toFixed(4));
  $("test-loss").value = loss(s.test_loss); $("test-loss").dataset.value = String(s.test_loss);
  $("train-loss").value = loss(s.train_loss); $("train-loss").dataset.value = String(s.train_loss);
  if (s.error) showMessage(s.error);
  drawBoundary(); drawLossChart(); drawNeurons();
  if (structureChanged || !$("links").childElementCount || s.step !== state.lastLinksStep) { drawLinks(); state.lastLinksStep = s.step; }
}

// ------------------------------------------------------------------ session and stream
function openStream() {
  if (state.events) state.events.close();
  const es = new EventSource(`/api/session/${state.session}/events?token=${encodeURIComponent(TOKEN)}`);
  es.addEventListener("points", (e) => {
    const points = JSON.parse(e.data);
    if (!state.points || points.data_version !== state.points.data_version) acceptPoints(points);
  });
  es.addEventListener("snapshot", (e) => acceptSnapshot(JSON.parse(e.data)));
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED) showMessage("lost the connection to the nndl playground server; reload the page");
  });
  state.events = es;
}

function updateExportLinks() {
  const q = `?token=${encodeURIComponent(TOKEN)}`;
  $("export-model").href = `/api/session/${state.session}/model.nndl${q}`;
  $("export-code").href = `/api/session/${state.session}/train.py${q}`;
}

async function start() {
  if (!TOKEN) { showMessage("This page needs the address nndl playground printed (it carries a token)."); return; }
  wireControls();
  const config = configFromHash();
  let created;
  try {
    created = await api("/api/session", { config });
  } catch (e) {
    showMessage(e.message);
    try { created = await api("/api/session", { config: DEFAULTS }); } catch (e2) { showMessage(e2.message); return; }
  }
  state.session = created.id;
  acceptPoints(created.points);
  updateExportLinks();
  openStream();
  window.addEventListener("pagehide", () => {
    if (state.events) state.events.close();
    api(`/api/session/${state.session}/close`, {}, { keepalive: true }).catch(() => {});
  });
  window.addEventListener("resize", () => drawLinks());
}

// Tabs, keyboard-usable (arrow keys move between them).
function wireTabs() {
  const tabs = [$("tab-play"), $("tab-digits")];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on)); t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    tab.focus();
    if (tab.id === "tab-digits" && window.nndlDigits) window.nndlDigits.show();
    if (tab.id === "tab-play") requestAnimationFrame(drawLinks);
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => select(t));
    t.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") select(tabs[(i + 1) % tabs.length]);
    });
  });
}

document.addEventListener("DOMContentLoaded", () => { wireTabs(); start(); });
window.nndlApi = api;
window.nndlShowMessage = showMessage;
