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

# Sequence models (Course 5)
from .gru import gru_backward, gru_forward  # noqa: E402
from .lstm import (  # noqa: E402
    lstm_backward, lstm_cell_backward, lstm_cell_forward, lstm_forward,
)
from .rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward  # noqa: E402

__all__ = [name for name in dir() if not name.startswith("_")]
from .embedding import embedding_backward, embedding_forward, scatter_add_columns  # noqa: E402
from .sequence_losses import (  # noqa: E402
    sequence_softmax_cross_entropy, sequence_softmax_cross_entropy_backward,
)
from .stacked import (  # noqa: E402
    bidirectional_backward, bidirectional_forward, deep_rnn_backward, deep_rnn_forward,
)

__all__ = [name for name in dir() if not name.startswith("_")]
from .additive_attention import additive_attention_backward, additive_attention_forward  # noqa: E402
from .attention import (  # noqa: E402
    look_ahead_mask, padding_mask, scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)
from .layernorm import layer_norm_backward, layer_norm_forward  # noqa: E402
from .multihead import (  # noqa: E402
    dense_rows_backward, dense_rows_forward, multi_head_attention_backward,
    multi_head_attention_forward,
)
from .positional import positional_angles, positional_encoding  # noqa: E402
from .transformer import encoder_layer_backward, encoder_layer_forward  # noqa: E402

__all__ = [name for name in dir() if not name.startswith("_")]
from .lstm import lstm_gates  # noqa: E402
from .word_vectors import (  # noqa: E402
    analogy_scores, cosine_similarities, cosine_similarity, equalize, neutralize,
)
from .word_vectors import analogy_scores_3cosadd  # noqa: E402

__all__ = [name for name in dir() if not name.startswith("_")]
from .skipgram import (  # noqa: E402
    log_sigmoid, negative_sampling_distribution, skipgram_loss, skipgram_scores, skipgram_scores_backward,
    subsampling_keep_probability,
)
from .masked_pool import masked_mean_pool_backward, masked_mean_pool_forward  # noqa: E402,F401
from .conv import conv_inference  # noqa: E402,F401
from ._batch_threads import blas_on_one_thread, set_threads as set_batch_threads  # noqa: E402,F401
