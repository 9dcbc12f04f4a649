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
from .detection_model import YoloLoss, detect, yolo_tiny  # noqa: E402 (YOLO detector, Course 4 week 3)
from .neural_style import style_transfer  # noqa: E402 (neural style transfer, Course 4 week 4)
from .verification import TripletNetwork  # noqa: E402 (face verification, Course 4 week 4)
