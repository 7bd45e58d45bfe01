"""paddle_distilroberta: DistilRoBERTa and the RoBERTa family for PaddlePaddle."""
__version__ = "0.1.0"
