"""Layer objects: own ``params`` and ``grads``, call ``nndl.functional``, keep the cache."""

from .activation import Activation
from .base import LAYERS, Layer, register_layer
from .batchnorm import BatchNorm
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .conv import Conv2D
from .pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D

__all__ = ["LAYERS", "Layer", "register_layer", "Dense", "Dropout", "BatchNorm", "Flatten", "Activation"]
__all__ += ["Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"]
from .residual import ConvolutionalBlock, IdentityBlock

__all__ += ["IdentityBlock", "ConvolutionalBlock"]


# Sequence layers (standalone on the current contract; batch axis 1 for sequences)
from .attention import LayerNorm, MultiHeadAttention, PositionalEncoding  # noqa: E402
from .embedding import Embedding  # noqa: E402
from .recurrent import GRU, LSTM, SimpleRNN  # noqa: E402

__all__ += ["SimpleRNN", "GRU", "LSTM", "Embedding", "LayerNorm", "MultiHeadAttention",
            "PositionalEncoding"]
from .wrappers import Bidirectional, TimeDistributed  # noqa: E402
from .transformer import TransformerDecoderLayer, TransformerEncoderLayer  # noqa: E402

__all__ += ["Bidirectional", "TimeDistributed", "TransformerEncoderLayer", "TransformerDecoderLayer"]
from .masked_pool import MaskedMeanPool  # noqa: E402

__all__ += ["MaskedMeanPool"]
