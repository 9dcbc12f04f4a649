"""nndl: neural networks and deep learning from first principles, in the course's notation.

    import nndl
    model = nndl.mlp([64, 16, 16, 10], hidden="relu", output="softmax", seed=1)
    history = model.fit(X_train, Y_train, epochs=50, batch_size=32, optimizer="adam")
    model.evaluate(X_test, Y_test)     # {"cost": …, "accuracy": …}

Shapes follow the course: X is (n_x, m), Y is (C, m) one-hot or (1, m).
"""

from . import functional, initializers, optimizers, schedules
from .gradcheck import gradcheck
from .callbacks import CSVLogger, Callback, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint
from .layers import Activation, BatchNorm, Dense, Dropout, Flatten, Layer
# Image layers: images (m, n_H, n_W, n_C) on axis 0.
from .layers import AvgPool2D, Conv2D, ConvolutionalBlock, GlobalAvgPool2D, IdentityBlock, MaxPool2D
# Sequence layers: sequences (n_x, m, T_x) on axis 1, token ids (m, T_x) on axis 0.
from .layers import (
    GRU, LSTM, Bidirectional, Embedding, LayerNorm, MultiHeadAttention, PositionalEncoding, SimpleRNN,
    TimeDistributed, TransformerDecoderLayer, TransformerEncoderLayer,
)
from .model_base import Model
from .models import Sequential, logistic_regression, mlp
from .training import TrainingDiverged
from .model_registry import register_model
from .optimizers import Adam, GradientDescent, Momentum, RMSprop
from .params import FlatParams
from . import multitask, transfer  # Course 3: multi-task labels with missing entries; transfer learning
from . import models  # nndl.models.lenet5(), nndl.models.resnet(…)
from .detection_model import YoloLoss, detect, yolo_tiny  # YOLO detector (Course 4 week 3)
from .neural_style import style_transfer  # neural style transfer (Course 4 week 4)
from .verification import TripletNetwork  # face verification (Course 4 week 4)
from .word2vec import Word2Vec  # registers the model for nndl.load (Course 5 week 2)
from .word_vectors import WordVectors
from .nmt import AttentionDecoder, DateAttention  # registers the date translator for nndl.load (Course 5 week 3)
from .backup import BackupAndRestore  # model.fit(..., backup=PATH): a stopped run continues where it stopped
from .nmt_transformer import DateTransformer  # registers the Transformer date translator for nndl.load (Course 5 week 4)

__version__ = "0.1.0"


def load(path):
    """Load a model saved with ``model.save(path)`` (safetensors; never executes code)."""
    from .io import load as _load
    return _load(path)
