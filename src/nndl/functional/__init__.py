"""The math of nndl: pure functions, one per building block, named as the course names them.

Forward functions return ``(output, cache)``; backward functions take ``(d_output, cache)``.
Every function keeps the dtype of its inputs.
"""

from .activations import (
    ACTIVATIONS, get_activation, identity, identity_backward, leaky_relu, leaky_relu_backward,
    register_activation, relu, relu_backward, sigmoid, sigmoid_backward, softmax,
    softmax_backward, tanh, tanh_backward,
)
from .batchnorm import batchnorm_backward, batchnorm_forward, batchnorm_inference
from .linear import linear_backward, linear_forward
from .losses import (
    binary_cross_entropy, binary_cross_entropy_backward, binary_cross_entropy_from_logits,
    categorical_cross_entropy, categorical_cross_entropy_backward,
    categorical_cross_entropy_from_logits, mean_squared_error, mean_squared_error_backward,
    output_delta,
)
from .regularization import (
    clip_by_global_norm, clip_by_value, dropout_backward, dropout_forward, global_norm,
    l2_cost, l2_grad,
)
from .regularization import l1_cost, l1_grad
from .conv import col2im, conv_backward, conv_forward, im2col, resolve_padding, zero_pad
from .pooling import global_avg_pool_backward, global_avg_pool_forward, pool_backward, pool_forward
from .detection import (
    box_area, centers_to_corners, corners_to_centers, filter_boxes, iou, non_max_suppression,
)
from .yolo import anchor_iou, assign_targets, decode, yolo_loss
from .average_precision import average_precision, match_detections, mean_average_precision
from .triplet import l2_normalize_backward, l2_normalize_forward, triplet_loss
from .style import (
    content_cost, gram_matrix, gram_matrix_backward, layer_style_cost, style_cost, total_cost, unroll,
)

__all__ = [name for name in dir() if not name.startswith("_")]
