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
from .models import Model, Sequential, logistic_regression, mlp
from .training import TrainingDiverged
from .model_registry import register_model
from .optimizers import Adam, GradientDescent, Momentum, RMSprop
from .params import FlatParams

__version__ = "0.1.0"


def load(path):
    """Load a model saved with ``model.save(path)`` (safetensors; never executes code)."""
    from .io import load as _load
    return _load(path)


# Sequence layers: sequences (n_x, m, T_x) on axis 1, token ids (m, T_x) on axis 0.
from .layers import (  # noqa: E402
    GRU, LSTM, Bidirectional, Embedding, LayerNorm, MultiHeadAttention, PositionalEncoding, SimpleRNN,
    TimeDistributed, TransformerDecoderLayer, TransformerEncoderLayer,
)
from .nmt import AttentionDecoder, DateAttention  # noqa: E402,F401 (registers the date translator for nndl.load)
