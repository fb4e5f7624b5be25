// The Sapling playground: a prompt form that speaks the `sapling serve` websocket
// protocol (docs/protocol.md) on the same host and port as this page, a 3D view
// that fills in as progress messages arrive, the final tree's metrics, a .schem
// download and a gallery of this session's results. No build step, no network
// access beyond this server; the token (if the server wants one) lives only in
// this page's memory.

import { TreeView } from "./view.js";

const $ = (id) => document.getElementById(id);
const GALLERY_SIZE = 8;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000]; // reconnect delays; the last one repeats
// Protocol field -> the control that sets it (errors are shown next to it).
const FIELD_CONTROL = {
  prompt: "prompt", size: "size", sampling_steps: "steps", guidance_scale: "guidance", seed: "seed",
};

const state = {
  ws: null,
  info: null,
  token: null, // in memory only: never stored
  needsToken: false,
  attempts: 0,
  retryTimer: null,
  counter: 0,
  request: null, // the request in flight: {id, prompt, parts, structure, done}
  shown: null, // the result on screen (also the download's source)
  palette: { blocks: {}, states: {}, background: [238, 237, 232], floor: [222, 221, 213] },
};

// --- colours: the PNG previews' palette (/palette.json), same rule as sapling.server.web.lookup ---

function parseState(s) {
  const open = s.indexOf("[");
  const name = (open < 0 ? s : s.slice(0, open)).replace(/^minecraft:/, "");
  const props = {};
  if (open >= 0) {
    for (const pair of s.slice(open + 1, -1).split(",")) {
      const [k, v] = pair.split("=");
      props[k] = v;
    }
  }
  return { name, props };
}

// A stable muted colour for a block the palette does not know (leaves stay green, logs brown).
function hashColor(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  let hue = (h % 360) / 360, sat = 0.15 + ((h >> 9) % 16) / 100, val = 0.6 + ((h >> 14) % 20) / 100;
  if (name.endsWith("_leaves")) [hue, sat, val] = [0.22 + (h % 100) / 1000, 0.6, 0.55];
  else if (name.endsWith("_log") || name.endsWith("_wood")) [hue, sat, val] = [0.06 + (h % 60) / 1000, 0.45, 0.42];
  const f = (n) => {
    const k = (n + hue * 6) % 6;
    return Math.round(255 * (val - val * sat * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

const colorCache = new Map();
function blockColor(stateString, face) {
  const cacheKey = stateString + "|" + face;
  let c = colorCache.get(cacheKey);
  if (c) return c;
  const { name, props } = parseState(stateString);
  const entry = state.palette.states[stateString] || state.palette.blocks[name];
  if (!entry) {
    c = hashColor(name);
  } else {
    const axis = face === "top" || face === "bottom" ? "y" : face;
    const end = entry.axis_ends ? (props.axis || "y") === axis : face === "top";
    c = end ? entry.top : entry.side;
  }
  colorCache.set(cacheKey, c);
  return c;
}

const view = new TreeView($("view"), blockColor);
window.sapling = { blockColor, view }; // for the browser tests and the curious

async function loadPalette() {
  try {
    const response = await fetch("palette.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    state.palette = await response.json();
    colorCache.clear();
    view.background = state.palette.background;
    view.floor = state.palette.floor;
    view.draw();
  } catch (err) {
    showError("generate", `could not load the block colours (${err.message}); using fallback colours`);
  }
}

// --- errors next to their controls ---

function showError(control, message) {
  const slot = $(`${control}-error`);
  slot.textContent = message;
  const input = $(control);
  if (input && input.tagName !== "BUTTON") input.setAttribute("aria-invalid", "true");
}

function clearErrors() {
  for (const slot of document.querySelectorAll(".error")) slot.textContent = "";
  for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function controlFor(message) {
  const m = /field '([a-z_]+)'/.exec(message);
  return (m && FIELD_CONTROL[m[1]]) || "generate";
}

// --- connection ---

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = state.token ? `?token=${encodeURIComponent(state.token)}` : "";
  return `${scheme}//${location.host}/${query}`;
}

function setConnection(text, kind) {
  const el = $("connection");
  el.textContent = text;
  el.dataset.state = kind;
}

function connect() {
  clearTimeout(state.retryTimer);
  state.retryTimer = null;
  state.needsToken = false;
  setConnection("connecting…", "connecting");
  const ws = new WebSocket(socketUrl());
  state.ws = ws;
  // "connected" waits for the info reply: a server that wants a token opens the socket first
  // and then answers "unauthorized".
  ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "info" })));
  ws.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
  ws.addEventListener("close", (event) => {
    if (state.ws !== ws) return; // replaced by a newer connection
    state.ws = null;
    updateGenerate();
    if (state.request) {
      showError("generate", "the connection was lost during generation; try again");
      finishRequest();
    }
    if (state.needsToken || event.code === 1008) {
      setConnection("this server needs a token", "token");
      $("token-field").hidden = false;
      $("token").focus();
      return;
    }
    const delay = BACKOFF_MS[Math.min(state.attempts, BACKOFF_MS.length - 1)];
    state.attempts += 1;
    setConnection(`connection lost; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${state.attempts})`, "lost");
    state.retryTimer = setTimeout(connect, delay);
  });
}

function useToken() {
  const token = $("token").value.trim();
  $("token-error").textContent = "";
  if (!token) {
    showError("token", "enter the server's token");
    return;
  }
  state.token = token;
  if (state.ws) {
    const old = state.ws;
    state.ws = null;
    old.close();
  }
  connect();
}

// --- messages ---

function onMessage(msg) {
  const req = state.request;
  switch (msg.type) {
    case "info":
      applyInfo(msg);
      break;
    case "accepted":
      if (req && msg.id === req.id) setProgress(0, 1, msg.queue_position > 1 ? `queued (${msg.queue_position})` : "");
      break;
    case "progress":
      if (req && msg.id === req.id && msg.sample === 0) {
        view.addBlocks(msg.blocks);
        setProgress(msg.step, msg.steps, `step ${msg.step} / ${msg.steps}`);
      }
      break;
    case "structure":
    case "structure_part":
      if (req && msg.id === req.id && msg.sample === 0) onStructurePart(req, msg);
      break;
    case "done":
      if (req && msg.id === req.id) {
        req.elapsedMs = msg.elapsed_ms;
        if (req.result) {
          req.result.elapsedMs = msg.elapsed_ms;
          show(req.result);
          addToGallery(req.result);
        }
        finishRequest();
      }
      break;
    case "error":
      onError(msg);
      break;
  }
}

function applyInfo(info) {
  const first = state.info === null;
  state.info = info;
  state.attempts = 0;
  setConnection("connected", "connected");
  $("model").textContent = `model ${info.model.name || "?"} on ${info.model.device || "?"}`;
  const size = $("size");
  if (first) {
    size.replaceChildren(...Object.entries(info.sizes).map(([name, dims]) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = `${name} (${dims.join("×")})`;
      return option;
    }));
    size.value = info.defaults.size;
    $("steps").value = info.defaults.sampling_steps;
    $("guidance").value = info.defaults.guidance_scale;
    const dims = info.sizes[info.defaults.size];
    view.setGrid(dims);
  }
  $("steps").max = info.limits.max_steps;
  $("steps-limit").textContent = `1–${info.limits.max_steps}`;
  $("prompt").maxLength = info.limits.max_prompt_chars;
  updateGenerate();
}

function onError(msg) {
  const req = state.request;
  if (msg.code === "unauthorized") {
    state.needsToken = true;
    showError("token", state.token ? "wrong token" : "this server needs a token");
    return;
  }
  if (msg.id !== null && (!req || msg.id !== req.id)) return; // an old request's
  showError(msg.code === "invalid_request" ? controlFor(msg.message) : "generate",
    msg.code === "busy" ? `server busy: ${msg.message}; try again shortly` : msg.message);
  if (req) finishRequest();
}

function onStructurePart(req, msg) {
  req.parts.push(msg);
  const total = msg.type === "structure" ? 1 : msg.parts;
  if (req.parts.length < total) return;
  const parts = req.parts.sort((a, b) => (a.part || 0) - (b.part || 0));
  const head = parts[0];
  const blocks = parts.flatMap((p) => p.blocks.map(([x, y, z, i]) => [x, y, z, head.palette[i]]));
  req.result = {
    prompt: req.prompt, size: head.size, origin: head.origin, blocks,
    metrics: head.metrics, species: head.species || null, schem: head.schem || null, elapsedMs: null,
  };
  show(req.result);
}

// --- generating ---

// A number control's value; undefined when empty (the server's default). Range checks are the
// server's: its error names the field and is shown next to the control.
function readNumber(control, label) {
  const input = $(control);
  if (input.value.trim() === "") {
    if (input.validity && input.validity.badInput) throw [control, `${label} must be a number`];
    return undefined;
  }
  const v = Number(input.value);
  if (!Number.isFinite(v)) throw [control, `${label} must be a number`];
  return v;
}

function generate() {
  clearErrors();
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN || state.request) return;
  const prompt = $("prompt").value.trim();
  if (!prompt) {
    showError("prompt", "type what tree you want, e.g. \"tall birch tree\"");
    return;
  }
  let steps, guidance, seed;
  try {
    steps = readNumber("steps", "steps");
    guidance = readNumber("guidance", "guidance");
    seed = readNumber("seed", "seed");
  } catch ([control, message]) {
    showError(control, message);
    return;
  }
  const id = `web-${++state.counter}`;
  const message = { type: "generate", id, prompt, size: $("size").value, stream: true, format: "schem" };
  if (steps !== undefined) message.sampling_steps = steps;
  if (guidance !== undefined) message.guidance_scale = guidance;
  if (seed !== undefined) message.seed = seed;
  state.request = { id, prompt, parts: [], result: null };
  const dims = state.info.sizes[message.size] || state.info.sizes[state.info.defaults.size];
  view.setGrid(dims);
  view.clear();
  setProgress(0, 1, "waiting…");
  updateGenerate();
  state.ws.send(JSON.stringify(message));
}

function finishRequest() {
  state.request = null;
  $("progress").hidden = true;
  $("progress-text").textContent = "";
  updateGenerate();
}

function setProgress(step, steps, text) {
  const bar = $("progress");
  bar.hidden = false;
  bar.max = steps;
  bar.value = step;
  $("progress-text").textContent = text;
}

function updateGenerate() {
  const ready = state.ws && state.ws.readyState === WebSocket.OPEN && state.info;
  $("generate").disabled = !ready || state.request !== null;
  $("generate").textContent = state.request ? "Generating…" : "Generate";
}

// --- the result: metrics, download, gallery ---

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);

// A reply's `species` (docs/protocol.md) -> "birch (from the prompt's words)"; "–" when the reply
// has none (an older server) or no species was chosen (a model whose blocks have none).
function speciesText(species) {
  if (!species || !species.chosen) return "–";
  const name = species.chosen.replace(/_/g, " ");
  // `why` starts with the species' name when words chose it ("birch: 'Birke' (de name of birch)").
  const said = species.why || "";
  const why = said.startsWith(`${name}: `) ? said.slice(name.length + 2) : said;
  if (species.by !== "prompt") return why ? `${name} (the model's own choice; ${why})` : `${name} (the model's own choice)`;
  if (species.plain || !why) return `${name} (from the prompt's words)`;
  return `${name} (from the prompt: ${why})`;
}

function show(result) {
  state.shown = result;
  view.setGrid(result.size, result.origin);
  view.setBlocks(result.blocks);
  const m = result.metrics;
  $("m-blocks").textContent = String(m.blocks);
  $("m-connectivity").textContent = pct(m.connectivity);
  $("m-purity").textContent = m.species_purity === null
    ? "– (no species named)" : `${pct(m.species_purity)}${m.dominant_species ? ` (${m.dominant_species})` : ""}`;
  const total = result.elapsedMs === null ? "" : `, request ${(result.elapsedMs / 1000).toFixed(2)} s`;
  $("m-time").textContent = `${m.seconds.toFixed(2)} s per tree${total}`;
  $("m-seed").textContent = String(m.seed);
  $("m-species").textContent = speciesText(result.species);
  $("m-species").title = (result.species && result.species.why) || "";
  $("download").disabled = !result.schem;
  for (const item of $("gallery").children) item.classList.toggle("current", item.result === result);
}

function fileName(result) {
  const slug = result.prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "tree";
  return `${slug}-${result.metrics.seed}.schem`;
}

function download() {
  const result = state.shown;
  if (!result || !result.schem) return;
  const bytes = Uint8Array.from(atob(result.schem), (ch) => ch.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName(result);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function addToGallery(result) {
  const item = document.createElement("li");
  item.result = result;
  const button = document.createElement("button");
  button.type = "button";
  button.title = `show "${result.prompt}" (seed ${result.metrics.seed}; species: ${speciesText(result.species)}) again`;
  const img = document.createElement("img");
  img.src = view.snapshot(200);
  img.alt = result.prompt;
  const caption = document.createElement("span");
  caption.textContent = `${result.prompt} · seed ${result.metrics.seed} · ${result.metrics.blocks} blocks`;
  button.append(img, caption);
  button.addEventListener("click", () => show(result));
  item.append(button);
  const list = $("gallery");
  list.prepend(item);
  while (list.children.length > GALLERY_SIZE) list.lastElementChild.remove();
  for (const other of list.children) other.classList.toggle("current", other.result === result);
}

// --- wiring ---

$("generate").addEventListener("click", generate);
$("prompt").addEventListener("keydown", (e) => { if (e.key === "Enter") generate(); });
$("download").addEventListener("click", download);
$("connect").addEventListener("click", useToken);
$("token").addEventListener("keydown", (e) => { if (e.key === "Enter") useToken(); });
for (const control of Object.values(FIELD_CONTROL)) {
  $(control).addEventListener("input", () => {
    $(`${control}-error`).textContent = "";
    $(control).removeAttribute("aria-invalid");
  });
}
// Leaving the page closes the websocket (a page kept in the back/forward cache would otherwise
// hold the connection, and its server's requests, open); coming back reconnects.
window.addEventListener("pagehide", () => {
  clearTimeout(state.retryTimer);
  const ws = state.ws;
  state.ws = null;
  if (state.request) finishRequest();
  if (ws) ws.close(1000, "page closed");
});
window.addEventListener("pageshow", (event) => { if (event.persisted) connect(); });
loadPalette();
connect();
