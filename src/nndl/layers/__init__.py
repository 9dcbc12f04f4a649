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
