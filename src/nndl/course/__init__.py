"""The course's own functions, with the course's names, arguments, return values and caches.

One module per week of the deep-learning specialization, each a thin layer over the
library (``nndl.functional`` holds every equation; these modules only arrange the calls
the way the assignments do):

- ``c1w2``: logistic regression as a one-unit network (``propagate``, ``optimize``, ``model``);
- ``c1w3``: one hidden tanh layer (``forward_propagation``, ``backward_propagation``, ``nn_model``);
- ``c1w4``: the L-layer network (``L_model_forward``, ``L_model_backward``, ``L_layer_model``);
- ``c2w1``: initialization, L2 and dropout regularization, gradient checking;
- ``c2w2``: mini-batches, momentum, Adam, learning-rate decay, and the notebook's ``model``;
- ``c2w3``: hyperparameter sampling on a log scale, batch norm as the lecture writes it, and
  the week's three-layer softmax model trained with nndl;
- ``c4w1``: convolution and pooling step by step (``conv_forward``, ``pool_backward``, …);
- ``c4w2``: the residual blocks (``identity_block``, ``convolutional_block``);
- ``c4w3``: YOLO's post-processing (``yolo_filter_boxes``, ``iou``, ``yolo_non_max_suppression``);
- ``c4w4``: the triplet loss and the style-transfer costs.
- ``c5w1``: RNN and LSTM cells and sequences, forward and backward; clip, sample, optimize;
- ``c5w2``: word vectors: cosine similarity, analogies, neutralize, equalize;
- ``c5w3``: the attention step of the date-translation model;
- ``c5w4``: positional encoding, masks, scaled dot-product attention;
- the notebooks' helper files: ``planar_utils``, ``dnn_app_utils``, ``reg_utils``, ``opt_utils``.

    from nndl.course import c1w4
    parameters, costs = c1w4.L_layer_model(X, Y, [2, 10, 5, 1], learning_rate=0.5)

Shapes follow the course: X is (n_x, m), Y is (1, m) (a rank-1 Y, as some notebook tests
pass it, is taken as one row), W[l] is (n[l], n[l-1]), b[l] is (n[l], 1).

Randomness is the notebooks': by default a function draws from NumPy's global generator
(``np.random.randn``, ``rand``, ``permutation``) in the notebook's order, and seeds it first
where the notebook's function does (``np.random.seed(3)`` in ``initialize_parameters_deep``),
so ``np.random.seed(…)`` before a call means what it means in the notebook. ``rng=`` takes an
int seed (the draws of that ``np.random.seed``, without touching the global state), a
``numpy.random.Generator`` or a legacy ``np.random.RandomState``.
Float64 inputs are computed in float64 end to end.
"""

from . import c1w2, c1w3, c1w4, c2w1, c2w2, c2w3, dnn_app_utils, opt_utils, planar_utils, reg_utils
from . import c4w1, c4w2, c4w3, c4w4
from . import c5w1, c5w2, c5w3, c5w4

__all__ = ["c1w2", "c1w3", "c1w4", "c2w1", "c2w2", "c2w3", "c4w1", "c4w2", "c4w3", "c4w4",
           "c5w1", "c5w2", "c5w3", "c5w4", "dnn_app_utils", "opt_utils", "planar_utils", "reg_utils"]
