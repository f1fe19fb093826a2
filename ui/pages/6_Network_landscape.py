"""Network landscape: train a tiny real network with several optimizers and see its loss surface on a plane."""

from __future__ import annotations

import streamlit as st

import networks
from networks import planes
from networks.data import LABELS
from ui.widgets import chart, csv_download, md, optimizer_controls, optimizer_label, progress_bar, safe_filename
from viz import export
from viz import network as nv
from viz.figures import run_styles
from viz.presets import TEACHING_SETTINGS

st.set_page_config(page_title="Network landscape", page_icon="🧠", layout="wide")

ARCHS = {"8": (8,), "16": (16,), "32": (32,), "16, 16": (16, 16), "8, 8, 8": (8, 8, 8), "64, 64": (64, 64)}
NET_LR = {"sgd": 0.5, "momentum": 0.05, "nesterov": 0.05, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.005,
          "adagrad": 0.05, "adamax": 0.02, "nadam": 0.01, "radam": 0.01, "lion": 0.002, "adabelief": 0.01,
          "adadelta": 1.0, "rprop": 0.01, "asgd": 0.5, "sgd_schedulefree": 0.5, "adamw_schedulefree": 0.01}  # fmt: skip

with st.sidebar:
    st.header("Network")
    dataset = st.selectbox("data", [d for d in networks.DATASETS if d != "sine9"], format_func=LABELS.get,
                           key="nl::data")  # fmt: skip
    arch = st.selectbox("hidden layers (widths)", list(ARCHS), index=1, key="nl::arch")
    activation = st.radio("activation", ["tanh", "relu"], horizontal=True, key="nl::act")
    n = st.select_slider("points", [64, 128, 256, 512, 1024], value=256, key="nl::n")
    seed = st.number_input("seed (data and initial weights)", 0, 10_000, value=0, key="nl::seed")
    st.header("Training")
    chosen = st.multiselect("Optimizers", list(networks.SUPPORTED), default=["sgd", "momentum", "adam"],
                            max_selections=6, key="nl::opts", format_func=optimizer_label,
                            help="The optimizers whose step is per coordinate; Newton-type methods, Adafactor, "
                            "Prodigy, L-BFGS and the gradient-free baselines are left out here.")  # fmt: skip
    steps = st.select_slider("steps", [50, 100, 200, 500, 1000, 2000], value=500, key="nl::steps")
    hypers = {}
    for name in chosen:
        with st.expander(optimizer_label(name)):
            start = {**TEACHING_SETTINGS.get(name, {}), "lr": NET_LR.get(name, 0.01)}
            hypers[name] = optimizer_controls("nl", name, initial=start)
            hypers[name]["lr"] = float(st.session_state[f"nl::{name}::lr"])  # also when it equals torch's default
    st.header("Plane")
    kind = st.radio("plane", list(nv.PLANES), format_func=nv.PLANES.get, key="nl::plane",
                    help="  \n".join(f"**{nv.PLANES[k]}**: {h}" for k, h in nv.PLANE_HELP.items()))  # fmt: skip
    resolution = st.select_slider("grid", [31, 41, 61, 81, 101], value=61, key="nl::res",
                                  help="the loss is evaluated exactly at grid × grid points of the plane")  # fmt: skip

st.title("Network landscape")
st.caption(
    "A real (tiny) network: a multilayer perceptron trained full-batch on the data shown at right, with the same "
    "optimizers as the playground. Its loss lives in as many dimensions as it has weights; the map shows it on "
    "a plane through weight space, with each run's path drawn on that plane."
)
if not chosen:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()
try:
    net = networks.make(dataset, ARCHS[arch], activation, n=int(n), seed=int(seed))
except ValueError as e:
    st.error(f"Cannot build this network: {e}")
    st.stop()

update, done = progress_bar(f"Training {len(chosen)} runs × {steps} steps of a {net.n_params}-weight network…")
runs = []
for k, name in enumerate(chosen):
    runs.extend(nv.train_runs(net, [(name, hypers[name])], int(steps)))
    update((k + 1) / len(chosen))
done()
labels = [nv.label_for(nm, hypers[nm]) for nm in chosen]
for lab, r in zip(labels, runs, strict=True):
    if (why := nv.stop_text(r)) is not None:
        st.warning(f"{lab} {why}: its loss or weights stopped being finite (a smaller lr helps); its path ends there.")
if all(r.diverged_step is not None and r.diverged_step < 2 for r in runs):
    st.error("Every run diverged at once: nothing to draw. Lower the learning rates.")
    st.stop()

update, done = progress_bar(f"The loss on a {resolution} × {resolution} grid of the plane…")
try:
    v = nv.view(net, chosen, labels, runs, kind, int(resolution), int(seed), progress=update)
except ValueError as e:
    done()
    st.error(f"Cannot make this plane: {e}")
    st.stop()
done()

st.markdown(f"**{md(nv.plane_sentence(v))}** {md(nv.PLANE_HELP[kind])}")
left, right = st.columns([3, 2], gap="medium")
with left:
    chart(nv.plane_figure(v), key="nl::plane_fig")
with right:
    live = [i for i, r in enumerate(runs) if r.diverged_step is None]
    if live:
        best = min(live, key=lambda i: float(runs[i].loss[-1]))
        end = runs[best].params[-1]
        what = (f"accuracy {100 * nv.accuracy(net, end):.1f}%" if net.task == "classification"
                else f"loss {net.loss(end):.3g}")  # fmt: skip
        st.markdown(f"**What {labels[best]} learned** (the run with the lowest final loss: {what} on the "
                    "training points)")  # fmt: skip
        style = run_styles(chosen)[best]  # the run's own colour and dash, as on the plane
        chart(nv.boundary_figure(net, end, labels[best], style=style), key="nl::boundary")
    else:
        st.info("Every run diverged: no trained network to show.")
c1, c2 = st.columns(2)
with c1:
    st.markdown("**Training loss** per step")
    chart(nv.series_figure(v, "loss"), key="nl::loss")
with c2:
    st.markdown("**Distance from the plane** per step: how much of the path the map cannot show")
    chart(nv.series_figure(v, "residual"), key="nl::residual")
with st.expander("Export", icon=":material/download:"):
    e1, e2 = st.columns(2)
    with e1:
        csv_download(lambda: nv.paths_frame(v), f"network_{dataset}_paths.csv", label="The paths (CSV)")
        csv_download(lambda: nv.grid_frame(v), f"network_{dataset}_plane.csv", label="The loss grid (CSV)")
    with e2:
        res, pview = nv.export_result(v)
        stem = f"network_{dataset}_{arch.replace(', ', '-')}_{kind}"
        st.download_button("The map as PNG", lambda: export.png_bytes(res, pview),
                           file_name=safe_filename(f"{stem}.png"), mime="image/png", on_click="ignore",
                           icon=":material/image:")  # fmt: skip
        st.download_button("The animation as GIF", lambda: export.gif_bytes(res, pview),
                           file_name=safe_filename(f"{stem}.gif"), mime="image/gif", on_click="ignore",
                           icon=":material/animation:")  # fmt: skip
        st.download_button("The animation as MP4", lambda: export.mp4_bytes(res, pview),
                           file_name=safe_filename(f"{stem}.mp4"), mime="video/mp4", on_click="ignore",
                           icon=":material/movie:")  # fmt: skip

st.subheader("Two solutions and the path between them")
st.caption(
    "Train the same network twice from different initial weights: two solutions. Is there a wall between them? "
    "The straight segment often climbs over one; a curved path (a quadratic Bézier curve, trained as Garipov et al. "
    "2018 do) often finds a pass where the loss barely rises."
)
c1, c2, c3 = st.columns(3)
opt2 = c1.selectbox("optimizer", chosen, key="nl::c_opt", format_func=optimizer_label)
seed2 = c2.number_input("second initial weights: seed", 0, 10_000, value=int(seed) + 1, key="nl::c_seed")
curve_steps = c3.select_slider("curve training steps", [200, 500, 1000, 2000], value=500, key="nl::c_steps")
if st.toggle("Train the second solution and connect them", key="nl::connect"):
    update, done = progress_bar("Training the second solution and the curve…")
    first = runs[chosen.index(opt2)]
    second = networks.train(net, opt2, int(steps), params0=networks.init_params(tuple(net.sizes), int(seed2),
                            net.bias), **hypers[opt2])  # fmt: skip
    update(0.5)
    if first.diverged_step is not None or second.diverged_step is not None:
        done()
        st.error("One of the two runs diverged: no solution to connect. Lower the learning rate.")
    else:
        con = planes.connect(net, first.params[-1], second.params[-1], steps=int(curve_steps),
                             lr=NET_LR.get("adam", 0.01))  # fmt: skip
        done()
        st.markdown(f"**{md(nv.connection_sentence(con))}**")
        chart(nv.connection_figure(con), key="nl::connection")
