"""``mattran llm serve MODEL``: serve a language model for the assistant with vLLM (the ``[gpu]`` extra)."""

from __future__ import annotations

import os
import shutil
from typing import Annotated

import typer

from cli.console import err, say

llm_app = typer.Typer(help="Mô hình ngôn ngữ cho trợ lý (máy chủ vLLM, cần GPU).", no_args_is_help=True)


@llm_app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Mô hình, ví dụ Qwen/Qwen2.5-7B-Instruct.")],
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng.")] = 8080,
    tool_call_parser: Annotated[str, typer.Option(help="Bộ đọc lời gọi chức năng (Qwen2.5: hermes).")] = "hermes",
) -> None:
    """Chạy `vllm serve MODEL --enable-auto-tool-choice --tool-call-parser …`; tham số thêm được chuyển cho vLLM."""
    vllm = shutil.which("vllm")
    if vllm is None:
        err.print(
            "Chưa cài vLLM. Trên máy có GPU, cài bằng: pip install -e '.[gpu]' (hoặc pip install vllm).", markup=False
        )
        raise typer.Exit(1)
    say(f"Đặt cho nền tảng: MATTRAN_LLM_URL=http://{host}:{port}/v1 MATTRAN_LLM_MODEL={model}")
    os.execv(
        vllm,
        [
            vllm,
            "serve",
            model,
            "--host",
            host,
            "--port",
            str(port),
            "--enable-auto-tool-choice",
            "--tool-call-parser",
            tool_call_parser,
            *ctx.args,
        ],
    )
