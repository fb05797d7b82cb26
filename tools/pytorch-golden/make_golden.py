#!/usr/bin/env python3
"""Golden files for `./rnn forward`: PyTorch runs nn.RNN, nn.LSTM and nn.GRU and writes, per case,
<case>.model.safetensors   the module's state_dict (metadata `mode` unless the case tests inference)
<case>.input.safetensors   input (T, B, I) and optionally h0, c0, lengths
<case>.expected.safetensors output (T, B, D*H), h_n and, for LSTM, c_n

Needs only PyTorch (Debian: apt-get install python3-torch); safetensors files are written here by hand
(the format is 8 bytes of header length, a JSON header, raw little-endian data), so the `safetensors`
package is not needed. Run from the repository root:

    /usr/bin/python3 tools/pytorch-golden/make_golden.py rnn-cli/src/test/resources/golden/pytorch

The output is deterministic for a given PyTorch version (seeded per case); cases.txt lists the cases.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

DTYPES = {torch.float32: ("F32", np.float32), torch.float16: ("F16", np.float16),
          torch.bfloat16: ("BF16", None), torch.float64: ("F64", np.float64),
          torch.int64: ("I64", np.int64), torch.int32: ("I32", np.int32)}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    name, np_type = DTYPES[t.dtype]
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: take the high half of each float32 (exact, the values are bfloat16)
        bits = t.to(torch.float32).numpy().view(np.uint32) >> 16
        return name, bits.astype("<u2").tobytes()
    return name, t.numpy().astype(np.dtype(np_type).newbyteorder("<")).tobytes()


def save(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for key in sorted(tensors):
        dtype, data = tensor_bytes(tensors[key])
        header[key] = {"dtype": dtype, "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)


def case(out_dir, name, mode, I, H, layers, bidirectional, bias, T, B, seed, h0=False, c0=False, lengths=None,
         lengths_dtype=torch.int64, weight_dtype=torch.float32, write_mode=True):
    torch.manual_seed(seed)
    if mode == "LSTM":
        module = torch.nn.LSTM(I, H, layers, bias=bias, bidirectional=bidirectional)
    elif mode == "GRU":
        module = torch.nn.GRU(I, H, layers, bias=bias, bidirectional=bidirectional)
    else:
        module = torch.nn.RNN(I, H, layers, nonlinearity="tanh" if mode == "RNN_TANH" else "relu",
                              bias=bias, bidirectional=bidirectional)
    with torch.no_grad():
        for p in module.parameters():
            # store exactly what runs: round to the file's dtype first
            p.copy_(p.to(weight_dtype).to(torch.float32))
    D = 2 if bidirectional else 1
    x = torch.randn(T, B, I)
    inputs = {"input": x}
    state_h = torch.randn(layers * D, B, H) * 0.5 if h0 else None
    state_c = torch.randn(layers * D, B, H) * 0.5 if c0 else None
    if state_h is not None:
        inputs["h0"] = state_h
    if state_c is not None:
        inputs["c0"] = state_c
    with torch.no_grad():
        if mode == "LSTM":
            hx = None
            if state_h is not None or state_c is not None:
                hx = (state_h if state_h is not None else torch.zeros(layers * D, B, H),
                      state_c if state_c is not None else torch.zeros(layers * D, B, H))
        else:
            hx = state_h
        if lengths is not None:
            lens = torch.tensor(lengths, dtype=torch.int64)
            inputs["lengths"] = lens.to(lengths_dtype)
            packed = pack_padded_sequence(x, lens, enforce_sorted=False)
            out, state = module(packed, hx)
            out, _ = pad_packed_sequence(out, total_length=T)
        else:
            out, state = module(x, hx)
    expected = {"output": out}
    if mode == "LSTM":
        expected["h_n"], expected["c_n"] = state
    else:
        expected["h_n"] = state
    weights = {k: v.to(weight_dtype) for k, v in module.state_dict().items()}
    save(os.path.join(out_dir, name + ".model.safetensors"), weights, {"mode": mode} if write_mode else None)
    save(os.path.join(out_dir, name + ".input.safetensors"), inputs)
    save(os.path.join(out_dir, name + ".expected.safetensors"), expected)
    return name


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    names = [
        case(out_dir, "rnn_tanh", "RNN_TANH", 7, 33, 1, False, True, 9, 3, 1, write_mode=False),
        case(out_dir, "rnn_relu_2layers_h0", "RNN_RELU", 7, 33, 2, False, True, 12, 2, 2, h0=True),
        case(out_dir, "rnn_tanh_bidir_2layers_lengths_h0", "RNN_TANH", 7, 33, 2, True, True, 10, 4, 3, h0=True,
             lengths=[10, 3, 1, 7]),
        case(out_dir, "rnn_relu_bidir_nobias_lengths_i32", "RNN_RELU", 5, 16, 1, True, False, 8, 3, 4,
             lengths=[2, 8, 5], lengths_dtype=torch.int32),
        case(out_dir, "rnn_tanh_f64_weights", "RNN_TANH", 7, 33, 1, False, True, 6, 2, 5, weight_dtype=torch.float64),
        case(out_dir, "lstm", "LSTM", 7, 33, 1, False, True, 10, 3, 6),
        case(out_dir, "lstm_2layers_h0_c0", "LSTM", 7, 33, 2, False, True, 11, 2, 7, h0=True, c0=True, write_mode=False),
        case(out_dir, "lstm_bidir_3layers_lengths_h0_c0", "LSTM", 7, 33, 3, True, True, 9, 3, 8, h0=True, c0=True,
             lengths=[4, 9, 1]),
        case(out_dir, "lstm_bidir_nobias", "LSTM", 7, 33, 1, True, False, 8, 2, 9),
        case(out_dir, "lstm_c0_only", "LSTM", 3, 8, 1, False, True, 5, 2, 10, c0=True),
        case(out_dir, "gru", "GRU", 7, 33, 1, False, True, 10, 3, 11, write_mode=False),
        case(out_dir, "gru_bidir_3layers_lengths_h0", "GRU", 7, 33, 3, True, True, 12, 4, 12, h0=True,
             lengths=[12, 5, 9, 2]),
        case(out_dir, "gru_nobias_h0", "GRU", 7, 33, 2, False, False, 7, 2, 13, h0=True),
        case(out_dir, "gru_bf16_weights", "GRU", 7, 33, 1, True, True, 6, 2, 14, weight_dtype=torch.bfloat16),
        case(out_dir, "lstm_long_2layers_lengths", "LSTM", 7, 33, 2, False, True, 250, 2, 15, lengths=[250, 173]),
        case(out_dir, "gru_long_bidir_lengths_h0", "GRU", 7, 33, 1, True, True, 220, 3, 16, h0=True,
             lengths=[220, 219, 31]),
        case(out_dir, "rnn_tanh_long", "RNN_TANH", 7, 33, 1, False, True, 300, 1, 17),
        case(out_dir, "lstm_h512_f16_weights", "LSTM", 16, 512, 1, False, True, 20, 2, 18, h0=True, c0=True,
             weight_dtype=torch.float16),
    ]
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write("# made by tools/pytorch-golden/make_golden.py with torch %s\n" % torch.__version__)
        for n in names:
            f.write(n + "\n")


if __name__ == "__main__":
    main()
