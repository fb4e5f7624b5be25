// The playground's 3D view: a hand-written canvas 2D voxel renderer.
//
// Orthographic camera orbiting the grid centre (yaw around y, pitch above the
// horizon). Each block is a unit cube at [x, x+1] x [y, y+1] x [z, z+1] in the
// protocol's origin frame; only faces with no block behind them are kept, and the
// faces turned towards the camera are painted far to near (painter's algorithm,
// blocks ordered by the depth of their centres: exact for equal grid cubes seen
// orthographically). Face shades follow the PNG previews: top 1.0, z faces 0.85,
// x faces 0.7, with a small per-block brightness jitter and darker outlines.

const FACES = [
  // axis, sign, shade, the 4 corners of the face on the unit cube
  { axis: "top", n: [0, 1, 0], shade: 1.0, quad: [[0, 1, 0], [1, 1, 0], [1, 1, 1], [0, 1, 1]] },
  { axis: "bottom", n: [0, -1, 0], shade: 0.55, quad: [[0, 0, 0], [0, 0, 1], [1, 0, 1], [1, 0, 0]] },
  { axis: "x", n: [1, 0, 0], shade: 0.7, quad: [[1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0]] },
  { axis: "x", n: [-1, 0, 0], shade: 0.7, quad: [[0, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]] },
  { axis: "z", n: [0, 0, 1], shade: 0.85, quad: [[0, 0, 1], [0, 1, 1], [1, 1, 1], [1, 0, 1]] },
  { axis: "z", n: [0, 0, -1], shade: 0.85, quad: [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]] },
];
const JITTER = [0.95, 0.985, 1.015, 1.05];
const DEFAULT_VIEW = { yaw: Math.PI / 4, pitch: Math.PI / 6, zoom: 1 };

const key = (x, y, z) => `${x},${y},${z}`;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export class TreeView {
  // colorOf(state, face) -> [r, g, b]; face is "top", "bottom", "x" or "z".
  constructor(canvas, colorOf, background = [238, 237, 232], floor = [222, 221, 213]) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.colorOf = colorOf;
    this.background = background;
    this.floor = floor;
    this.blocks = new Map(); // "x,y,z" -> block state
    this.size = [16, 16, 16];
    this.origin = [8, 1, 8];
    this.view = { ...DEFAULT_VIEW };
    this.faces = null; // cached exposed faces, rebuilt when blocks change
    this.pending = false;
    this.#bindInput();
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
  }

  // The grid the blocks live in: size [X, Y, Z] and the origin's grid position.
  setGrid(size, origin) {
    this.size = size;
    this.origin = origin || [Math.floor(size[0] / 2), 1, Math.floor(size[2] / 2)];
    this.draw();
  }

  clear() {
    this.blocks.clear();
    this.faces = null;
    this.draw();
  }

  // blocks: [[x, y, z, state], ...] in the origin frame; later blocks replace earlier ones.
  addBlocks(blocks) {
    for (const [x, y, z, state] of blocks) this.blocks.set(key(x, y, z), state);
    this.faces = null;
    this.draw();
  }

  setBlocks(blocks) {
    this.blocks.clear();
    this.addBlocks(blocks);
  }

  resetView() {
    this.view = { ...DEFAULT_VIEW };
    this.draw();
  }

  // Redraw on the next animation frame (many updates per frame cost one paint).
  draw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.paint();
    });
  }

  // A small PNG data URL of the current picture, its centred square (gallery thumbnails).
  snapshot(width = 200) {
    this.paint();
    const { width: w, height: h } = this.canvas;
    const side = Math.min(w, h);
    const small = document.createElement("canvas");
    small.width = small.height = width;
    small.getContext("2d").drawImage(this.canvas, (w - side) / 2, (h - side) / 2, side, side, 0, 0, width, width);
    return small.toDataURL("image/png");
  }

  #resize() {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (w !== this.canvas.width || h !== this.canvas.height) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.paint();
  }

  #bindInput() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, yaw: this.view.yaw, pitch: this.view.pitch };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      if (!drag) return;
      this.view.yaw = drag.yaw - (e.clientX - drag.x) * 0.01;
      this.view.pitch = clamp(drag.pitch + (e.clientY - drag.y) * 0.01, -0.35, 1.55);
      this.draw();
    });
    const end = () => { drag = null; };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      this.view.zoom = clamp(this.view.zoom * Math.exp(-e.deltaY * 0.0015), 0.3, 8);
      this.draw();
    }, { passive: false });
    c.addEventListener("dblclick", () => this.resetView());
    c.addEventListener("keydown", (e) => {
      const turn = { ArrowLeft: [0.2, 0], ArrowRight: [-0.2, 0], ArrowUp: [0, 0.1], ArrowDown: [0, -0.1] }[e.key];
      if (turn) {
        e.preventDefault();
        this.view.yaw += turn[0];
        this.view.pitch = clamp(this.view.pitch + turn[1], -0.35, 1.55);
      } else if (e.key === "+" || e.key === "-") {
        this.view.zoom = clamp(this.view.zoom * (e.key === "+" ? 1.2 : 1 / 1.2), 0.3, 8);
      } else return;
      this.draw();
    });
  }

  // Exposed faces: [x, y, z, faceIndex, state], faces hidden by a neighbour dropped.
  #exposedFaces() {
    if (this.faces) return this.faces;
    const faces = [];
    for (const [k, state] of this.blocks) {
      const [x, y, z] = k.split(",").map(Number);
      FACES.forEach((f, i) => {
        if (!this.blocks.has(key(x + f.n[0], y + f.n[1], z + f.n[2]))) faces.push([x, y, z, i, state]);
      });
    }
    this.faces = faces;
    return faces;
  }

  // The camera: screen right, screen up and towards-camera unit vectors, the centre and the scale.
  #camera() {
    const { yaw, pitch, zoom } = this.view;
    const [X, Y, Z] = this.size;
    const [ox, oy, oz] = this.origin;
    const cp = Math.cos(pitch), sp = Math.sin(pitch), cy = Math.cos(yaw), sy = Math.sin(yaw);
    const fit = this.#fit();
    return {
      right: [cy, 0, -sy],
      up: [-sp * sy, cp, -sp * cy],
      toward: [cp * sy, sp, cp * cy],
      centre: [X / 2 - ox, Y / 2 - oy, Z / 2 - oz],
      scale: fit * zoom,
    };
  }

  // Pixels per block that fit the whole grid, as seen from the default view, into the canvas.
  // It does not follow the orbit (the picture would pump while turning) nor the blocks (trees
  // keep their relative sizes, in the view as in the gallery).
  #fit() {
    const [X, Y, Z] = this.size;
    const { yaw, pitch } = DEFAULT_VIEW;
    const wide = (X * Math.abs(Math.cos(yaw)) + Z * Math.abs(Math.sin(yaw)));
    const deep = (X * Math.abs(Math.sin(yaw)) + Z * Math.abs(Math.cos(yaw)));
    const high = Y * Math.cos(pitch) + deep * Math.sin(pitch);
    return 0.92 * Math.min(this.canvas.width / wide, this.canvas.height / high);
  }

  paint() {
    const { canvas, ctx } = this;
    const cam = this.#camera();
    const w = canvas.width, h = canvas.height;
    const project = (p) => {
      const d = [p[0] - cam.centre[0], p[1] - cam.centre[1], p[2] - cam.centre[2]];
      const sx = d[0] * cam.right[0] + d[2] * cam.right[2];
      const sy = d[0] * cam.up[0] + d[1] * cam.up[1] + d[2] * cam.up[2];
      return [w / 2 + sx * cam.scale, h / 2 - sy * cam.scale];
    };
    ctx.fillStyle = rgb(this.background, 1);
    ctx.fillRect(0, 0, w, h);
    if (this.view.pitch > 0) this.#paintFloor(project);

    const t = cam.toward;
    const visible = this.#exposedFaces().filter(([, , , i]) => {
      const n = FACES[i].n;
      return n[0] * t[0] + n[1] * t[1] + n[2] * t[2] > 1e-6;
    });
    const depth = (x, y, z) => (x + 0.5) * t[0] + (y + 0.5) * t[1] + (z + 0.5) * t[2];
    visible.sort((a, b) => depth(a[0], a[1], a[2]) - depth(b[0], b[1], b[2]));
    const outline = cam.scale >= 6;
    ctx.lineJoin = "round";
    ctx.lineWidth = Math.max(1, cam.scale / 24);
    for (const [x, y, z, i, state] of visible) {
      const face = FACES[i];
      const jitter = JITTER[Math.abs((x * 73856093) ^ (y * 19349663) ^ (z * 83492791)) % JITTER.length];
      const colour = this.colorOf(state, face.axis);
      ctx.beginPath();
      face.quad.forEach(([dx, dy, dz], j) => {
        const [px, py] = project([x + dx, y + dy, z + dz]);
        if (j === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      });
      ctx.closePath();
      ctx.fillStyle = rgb(colour, face.shade * jitter);
      ctx.fill();
      // A darker rim keeps blocks readable in a mass; at small scales it would only darken.
      ctx.strokeStyle = rgb(colour, face.shade * jitter * (outline ? 0.85 : 1));
      ctx.stroke();
    }
  }

  #paintFloor(project) {
    const { ctx } = this;
    const [X, , Z] = this.size;
    const [ox, oy, oz] = this.origin;
    const y = -oy;
    const corners = [[-ox, y, -oz], [X - ox, y, -oz], [X - ox, y, Z - oz], [-ox, y, Z - oz]].map(project);
    ctx.beginPath();
    corners.forEach(([px, py], j) => (j === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
    ctx.closePath();
    ctx.fillStyle = rgb(this.floor, 1);
    ctx.fill();
    ctx.strokeStyle = rgb(this.floor, 0.9);
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}

function rgb(c, f) {
  const v = (i) => Math.round(clamp(c[i] * f, 0, 255));
  return `rgb(${v(0)}, ${v(1)}, ${v(2)})`;
}
