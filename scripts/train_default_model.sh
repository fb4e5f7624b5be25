#!/usr/bin/env bash
# Reproduce the shipped default model from nothing, in one command, on CPU (or a GPU when there is
# one): phase 1 (config/cpu.yaml), phase 2 (config/cpu_phase2.yaml from phase 1's last checkpoint),
# then export phase 2's EMA weights in 16 bits to sapling/data/model/default.pt.
# Usage: bash scripts/train_default_model.sh [RUN_DIR]     (default RUN_DIR: runs/default)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
run="${1:-runs/default}"
mkdir -p "$run/phase1" "$run/phase2"
(cd "$run/phase1" && sapling train --config "$repo/config/cpu.yaml")
phase1="$(cd "$run/phase1" && ls -d "$PWD"/lightning_logs/version_*/checkpoints/last.ckpt | tail -1)"
(cd "$run/phase2" && sapling train --config "$repo/config/cpu_phase2.yaml" --init-from "$phase1")
phase2="$(cd "$run/phase2" && ls -d "$PWD"/lightning_logs/version_*/checkpoints/last.ckpt | tail -1)"
python "$repo/scripts/export_model.py" "$phase2" --out "$repo/sapling/data/model/default.pt"
