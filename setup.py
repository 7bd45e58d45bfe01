"""Packaging for paddle_distilroberta.

`configs/` lives at the top of the repository (it is data, not code) and is installed
inside the package as `paddle_distilroberta/configs`, where `pretrained/registry.py` reads it.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

setup(
    name="paddle_distilroberta",
    version="0.1.0",
    description="DistilRoBERTa and the RoBERTa family for PaddlePaddle, exactly equal to Hugging Face.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8") if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.9",
    packages=find_packages(include=["paddle_distilroberta", "paddle_distilroberta.*"])
    + ["paddle_distilroberta.configs"],
    package_dir={"paddle_distilroberta.configs": "configs"},
    package_data={"paddle_distilroberta": ["py.typed"], "paddle_distilroberta.configs": ["*.json", "*/*.yaml"]},
    install_requires=[
        "paddlepaddle>=2.6",  # or paddlepaddle-gpu: install that first and pip keeps it
        "numpy",
        "safetensors>=0.4",
        "tokenizers>=0.19",
        "huggingface_hub>=0.20",
        "requests",
        "filelock",
        "tqdm",
        "packaging",
    ],
    extras_require={
        # PaddleNLP 3.0.0b4 imports beside paddlepaddle 3.3 only with these pins (also in constraints.txt)
        "paddlenlp": [
            "paddlenlp==3.0.0b4",
            "aistudio-sdk<0.3",
            "pyarrow<20",
            "datasets<4",
            "numpy<2",
            "tokenizers>=0.21,<0.22",
            "pyyaml>=5.1",  # examples/run_*.py --config configs/finetune/*.yaml
        ],
        # PaddleFormers (PaddleNLP's successor; never in the same environment as the paddlenlp extra): tested with
        # paddlepaddle==3.3.1 (pin it on the pip command line), transformers 5.3.0, tokenizers 0.22.2, pyarrow 25.0.1
        "paddleformers": ["paddleformers==1.2.0", "pyarrow<26"],
        "test": ["pytest>=7", "pytest-timeout", "hypothesis", "nbclient", "nbformat", "ipykernel"],  # + notebook run
        # model.export(format="onnx") / `paddle-distilroberta export --format onnx` and its tests: paddle2onnx 2.x
        # reads Paddle 3's PIR programs (1.x does not); onnxruntime runs the parity test
        "onnx": ["paddle2onnx==2.1.0", "onnx==1.17.0", "onnxruntime==1.32.0"],
        # only to regenerate golden fixtures / run comparison benchmarks; never needed by the tests
        "reference": ["torch==2.13.0", "transformers<4.56"],
    },
    entry_points={"console_scripts": ["paddle-distilroberta=paddle_distilroberta.cli:main"]},
    classifiers=["Programming Language :: Python :: 3", "License :: OSI Approved :: Apache Software License"],
)
