#!/usr/bin/env python3
"""Training rate of `./rnn lm train`'s default character language model, in PyTorch.

Builds the model and the training step that `rnn lm train` uses by default (LmCommand,
CharLanguageModel, CharLanguageModelTraining, Trainer) with torch.nn, trains it on the text for
--seconds (or --batches) after --warmup batches, and prints characters per second: batch·seq_len
characters per update divided by the seconds per update. It also prints what decides the rate: the
torch version, torch's thread settings, the BLAS torch calls and, when that is OpenBLAS, the core
type OpenBLAS chose (OPENBLAS_CORETYPE overrides its choice) and its thread count.

Defaults (the figures of `rnn lm train`): embedding 64, LSTM 2 levels x 512, dropout 0.25 between
the levels and before the head, linear head to the vocabulary, batch 32 streams x 100 steps with the
state carried from batch to batch (truncated BPTT), Adam (lr 0.002, betas 0.9/0.999, eps 1e-8),
gradients clipped to a global L2 norm of 5, the last 10 % of the text held out.

Run with Debian's PyTorch (apt-get install python3-torch libopenblas0-pthread), for example:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/pytorch-charlm/train_rate.py --seconds 60

See README.md beside this file for the measured figures.
"""
import argparse
import ctypes
import os
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
WINDOW = 10                                   # updates in the "fastest consecutive" figure
DEFAULT_TEXT = HERE.parent.parent.parent / "shared" / "data" / "tinyshakespeare.txt"   # ../shared/data from the repository root


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch training rate of rnn's default character language model")
    p.add_argument("--text", type=pathlib.Path, default=DEFAULT_TEXT, help="training text, UTF-8 (default: %(default)s)")
    p.add_argument("--seconds", type=float, default=60.0, help="measure for this many seconds after the warm-up (default: %(default)s)")
    p.add_argument("--batches", type=int, default=0, help="measure this many updates instead (0: use --seconds)")
    p.add_argument("--warmup", type=int, default=5, help="updates before the measurement starts (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default: %(default)s)")
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.25)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--clip", type=float, default=5.0, help="global L2 norm (0: no clipping, the norm is still computed)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    if a.seconds <= 0 and a.batches <= 0:
        p.error("--seconds or --batches must be > 0")
    if a.warmup < 0 or a.threads < 1:
        p.error("--warmup must be >= 0 and --threads >= 1")
    return a


def fail(message):
    print(f"train_rate.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_text(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file (pass --text FILE)")
    except OSError as e:
        fail(f"{path}: cannot be read ({e.strerror or e})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{path}: not UTF-8 text (byte {e.start})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def openblas_info():
    """(library path, core name, config, threads) of the OpenBLAS loaded into this process, or None."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "/" in line and ".so" in line})
    except OSError:
        return None
    # a BLAS library itself first: dlsym on another library's handle also finds its dependencies' symbols
    libs.sort(key=lambda lib: 0 if "blas" in os.path.basename(lib) else 1)
    for lib in libs:
        try:
            h = ctypes.CDLL(lib, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)   # only libraries already loaded
        except OSError:
            continue
        if not hasattr(h, "openblas_get_corename"):
            continue
        h.openblas_get_corename.restype = ctypes.c_char_p
        h.openblas_get_config.restype = ctypes.c_char_p
        where = lib
        try:                                       # the file that defines the function, through any symlink
            info = _DlInfo()
            if ctypes.CDLL(None).dladdr(ctypes.cast(h.openblas_get_corename, ctypes.c_void_p), ctypes.byref(info)):
                where = os.path.realpath(info.dli_fname.decode())
        except (AttributeError, OSError):
            pass
        return where, h.openblas_get_corename().decode(), h.openblas_get_config().decode(), h.openblas_get_num_threads()
    return None


def main(argv):
    a = parse_args(argv)
    text = read_text(a.text)               # before importing torch, so a missing file fails fast
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError as e:
        fail(f"PyTorch is not installed for {sys.executable} ({e}); on Debian: apt-get install python3-torch")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    # the data as CharLanguageModelTraining reads it: vocabulary of the whole text (sorted code points),
    # the first (1 - val_fraction) for training, cut into B streams read side by side
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    split = round(len(text) * (1 - a.val_fraction))
    train = torch.tensor([index[c] for c in text[:split]], dtype=torch.long)
    stream = (len(train) - 1) // a.batch
    per_epoch = stream // a.seq_len
    if per_epoch < 1:
        fail(f"{a.text}: {len(train)} training characters are too few for batch {a.batch} x seq-len {a.seq_len}")
    xs = train[: a.batch * stream].view(a.batch, stream)
    ys = train[1: a.batch * stream + 1].view(a.batch, stream)
    v = len(chars)

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(v, a.embedding)
            self.rnn = nn.LSTM(a.embedding, a.hidden, num_layers=a.layers, dropout=a.dropout if a.layers > 1 else 0.0,
                               batch_first=False)
            self.drop = nn.Dropout(a.dropout)
            self.head = nn.Linear(a.hidden, v)
            # rnn's initialisation (CharLanguageModel.create); it does not change the rate
            with torch.no_grad():
                nn.init.uniform_(self.embedding.weight, -0.5, 0.5)
                for l in range(a.layers):
                    getattr(self.rnn, f"bias_ih_l{l}")[a.hidden:2 * a.hidden].fill_(1.0)
                    getattr(self.rnn, f"bias_hh_l{l}")[a.hidden:2 * a.hidden].fill_(0.0)
                nn.init.xavier_uniform_(self.head.weight)
                nn.init.zeros_(self.head.bias)

        def forward(self, x, state):
            out, state = self.rnn(self.embedding(x), state)        # x: (T, B), time-major
            return self.head(self.drop(out)), state

    model = CharLM()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    n_params = sum(p.numel() for p in model.parameters())

    def zero_state():
        z = torch.zeros(a.layers, a.batch, a.hidden)
        return z, z.clone()

    state = zero_state()
    batch_index = 0

    def step():
        nonlocal state, batch_index
        if batch_index == per_epoch:                   # a new epoch starts from zero state, as startEpoch does
            batch_index = 0
            state = zero_state()
        lo = batch_index * a.seq_len
        x = xs[:, lo:lo + a.seq_len].t().contiguous()
        y = ys[:, lo:lo + a.seq_len].t().contiguous()
        opt.zero_grad(set_to_none=True)
        logits, (h, c) = model(x, state)
        loss = F.cross_entropy(logits.view(-1, v), y.view(-1))
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        else:
            torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
        opt.step()
        state = (h.detach(), c.detach())               # truncated BPTT: carry the state, not the graph
        batch_index += 1
        return loss.item()

    env = {k: os.environ.get(k, "(unset)") for k in
           ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_VERBOSE", "MKL_NUM_THREADS")}
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    print(f"python {platform.python_version()} ({sys.executable}), torch {torch.__version__}, cpu '{cpu}', {os.cpu_count()} cpus")
    print(f"torch threads: intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}, "
          f"mkldnn {'available' if torch.backends.mkldnn.is_available() else 'not available'}, "
          f"mkl {'available' if torch.backends.mkl.is_available() else 'not available'}")
    print("environment: " + ", ".join(f"{k}={val}" for k, val in env.items()))

    print(f"text {a.text}: {len(text)} characters ({split} for training), vocabulary {v}; "
          f"lstm {a.layers}x{a.hidden}, embedding {a.embedding}, dropout {a.dropout}, {n_params:,} parameters; "
          f"batch {a.batch} x seq-len {a.seq_len}, adam lr {a.lr}, clip {a.clip}, {per_epoch} batches per epoch")

    t0 = time.perf_counter()
    for _ in range(a.warmup):
        step()
    warm = time.perf_counter() - t0
    blas = openblas_info()                         # after the first products, when OpenBLAS is surely loaded
    if blas is None:
        print("blas: no OpenBLAS found in the process (torch uses another BLAS)")
    else:
        print(f"blas: OpenBLAS {blas[0]}, core type in effect {blas[1]}, {blas[3]} threads, config: {blas[2]}")
    print(f"warm-up: {a.warmup} updates in {warm:.1f} s")
    sys.stdout.flush()

    times, losses = [], []
    cpu0 = os.times()
    start = time.perf_counter()
    while True:
        s = time.perf_counter()
        losses.append(step())
        e = time.perf_counter()
        times.append(e - s)
        if (a.batches > 0 and len(times) >= a.batches) or (a.batches <= 0 and e - start >= a.seconds):
            break
    total = time.perf_counter() - start
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    chars = a.batch * a.seq_len
    ordered = sorted(times)
    median = ordered[len(ordered) // 2]
    # on a shared machine other work slows some updates: the fastest run of WINDOW consecutive updates
    # shows what the machine gives when it is free, the CPU time what the updates cost whatever the load
    window = min(WINDOW, len(times))
    best = min(sum(times[i:i + window]) for i in range(len(times) - window + 1))
    print(f"measured: {len(times)} updates in {total:.1f} s; per update mean {total / len(times) * 1e3:.0f} ms, "
          f"median {median * 1e3:.0f} ms, fastest {ordered[0] * 1e3:.0f} ms; training loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    print(f"cpu: {cpu:.1f} s of process CPU time ({cpu / total:.2f} cores busy on average, "
          f"{len(times) * chars / cpu:.0f} chars per CPU second); load average now {os.getloadavg()[0]:.2f}")
    print(f"chars/s: {len(times) * chars / total:.0f} ({chars} characters per update; {chars / median:.0f} at the median update, "
          f"{window * chars / best:.0f} over the fastest {window} consecutive updates)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
