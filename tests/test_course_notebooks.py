"""nndl.course against the notebooks: each function run on the notebook's (or its
public_tests.py's) own input, with the notebook's global np.random seeding, compared with the
output the notebook publishes. Sources (public copies of the course's files):
C1W2 Python basics: W2A1/public_tests.py; C1W3: W3A1/public_tests.py and the notebook's printed
costs; C1W4: W4A1/public_tests.py; C2W1: W1A2/public_tests.py (regularization), W1A3/public_tests.py
and the notebook (gradient checking), the initialization notebook's printed costs; C2W2:
W2A1/public_tests.py and the notebook's printed costs."""

from __future__ import annotations

import numpy as np
import pytest

from nndl.course import c1w2, c1w3, c2w1, c2w2, planar_utils


# ---------------------------------------------------------------- C1W2: Python basics with NumPy

def test_python_basics_public_values():
    assert c1w2.basic_sigmoid(1) == pytest.approx(0.7310585786300049, rel=1e-15)
    assert isinstance(c1w2.basic_sigmoid(1), float)
    np.testing.assert_allclose(c1w2.sigmoid(np.array([1, 2, 3])), [0.73105858, 0.88079708, 0.95257413], atol=5e-9)
    np.testing.assert_allclose(c1w2.sigmoid_derivative(np.array([1, 2, 3])), [0.19661193, 0.10499359, 0.04517666],
                               atol=5e-9)
    np.testing.assert_allclose(c1w2.normalize_rows(np.array([[0, 3, 4], [1, 6, 4]])),
                               [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]], atol=5e-9)
    np.testing.assert_allclose(c1w2.softmax(np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])),
                               [[9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
                                [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04]],
                               rtol=1e-8)
    yhat, y = np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])
    assert c1w2.L1(yhat, y) == pytest.approx(1.1) and c1w2.L2(yhat, y) == pytest.approx(0.43)
    with pytest.raises(ValueError, match="same shape"):
        c1w2.L1(yhat, y[:4])


def test_image2vector_public_value():
    image = np.array([[[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
                      [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
                      [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]]])
    v = c1w2.image2vector(image)
    assert v.shape == (18, 1)
    np.testing.assert_array_equal(v[:4, 0], [0.67826139, 0.29380381, 0.90714982, 0.52835647])
    np.testing.assert_array_equal(v[-2:, 0], [0.34144279, 0.94630077])
    with pytest.raises(ValueError, match="length, height, depth"):
        c1w2.image2vector(image[0])


# ---------------------------------------------------------------- C1W3: planar data, one hidden layer

def test_c1w3_compute_cost_and_backward_with_boolean_labels():
    np.random.seed(1)
    Y = np.random.randn(1, 5) > 0
    A2 = np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]])
    cost = c1w3.compute_cost(A2, Y)
    assert isinstance(cost, float) and cost == pytest.approx(0.5447066599017815, rel=1e-12)
    np.random.seed(1)
    X = np.random.randn(3, 7)
    Y = np.random.randn(1, 7) > 0
    parameters = {"W1": np.random.randn(9, 3), "W2": np.random.randn(1, 9), "b1": np.zeros((9, 1)),
                  "b2": np.zeros((1, 1))}
    cache = {"A1": np.random.randn(9, 7), "A2": np.random.randn(1, 7), "Z1": np.random.randn(9, 7),
             "Z2": np.random.randn(1, 7)}
    grads = c1w3.backward_propagation(parameters, cache, X, Y)
    np.testing.assert_allclose(grads["dW1"][:2], [[-0.24468458, -0.24371232, 0.15959609],
                                                  [0.7370069, -0.64785999, 0.23669823]], rtol=1e-6)
    np.testing.assert_allclose(grads["db1"][:3, 0], [0.1463639, -0.33647992, -0.51738006], rtol=1e-6)
    np.testing.assert_allclose(grads["dW2"][0, :3], [-0.35768529, 0.22046323, -0.29551566], rtol=1e-6)
    np.testing.assert_allclose(grads["db2"], [[-0.78032466]], rtol=1e-6)


def test_c1w3_nn_model_public_value():
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    np.random.seed(3)
    p = c1w3.nn_model(X, Y, 4, print_cost=False)
    np.testing.assert_allclose(p["W1"], [[0.56305445, -1.03925886], [0.7345426, -1.36286875],
                                         [-0.72533346, 1.33753027], [0.74757629, -1.38274074]], rtol=1e-5)
    np.testing.assert_allclose(p["b1"][:, 0], [-0.22240654, -0.34662093, 0.33663708, -0.35296113], rtol=1e-5)
    np.testing.assert_allclose(p["W2"], [[1.82196893, 3.09657075, -2.98193564, 3.19946508]], rtol=1e-5)
    np.testing.assert_allclose(p["b2"], [[0.21344644]], rtol=1e-5)


def test_the_flower_as_the_notebook_trains_it(capsys):
    X, Y = planar_utils.load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400) and Y.dtype == np.uint8 and Y.sum() == 200
    np.random.seed(3)
    parameters = c1w3.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    printed = [float(line.split(": ")[1]) for line in capsys.readouterr().out.splitlines()]
    # The notebook's printed costs (iterations 0, 1000, …, 6000; later ones differ in the
    # sixth digit between machines).
    assert printed[:7] == pytest.approx([0.693162, 0.258625, 0.239334, 0.230802, 0.225528, 0.221845, 0.219094],
                                        abs=1e-6)
    predictions = c1w3.predict(parameters, X)
    accuracy = float((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))[0, 0] / Y.size * 100)
    assert int(accuracy) == 90  # "Accuracy: 90%"


def test_plot_decision_boundary_takes_a_function_of_rows(tmp_path):
    pytest.importorskip("matplotlib")
    X, Y = planar_utils.load_planar_dataset()
    seen = []

    def model(x):
        seen.append(x.shape)
        return (x[:, 0] > 0).astype(int)
    planar_utils.plot_decision_boundary(model, X, Y, path=tmp_path / "b.png")
    assert len(seen) == 1 and seen[0][1] == 2 and (tmp_path / "b.png").stat().st_size > 0
    with pytest.raises(ValueError, match="one per row"):
        planar_utils.plot_decision_boundary(lambda x: x[:3], X, Y)


# ---------------------------------------------------------------- C2W1: regularization

def _regularization_case():
    np.random.seed(1)
    X = np.random.randn(3, 5)
    W1, b1 = np.random.randn(2, 3), np.random.randn(2, 1)
    W2, b2 = np.random.randn(3, 2), np.random.randn(3, 1)
    W3, b3 = np.random.randn(1, 3), np.random.randn(1, 1)
    return X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def test_forward_propagation_with_dropout_seeds_itself():
    X, parameters = _regularization_case()
    A3, cache = c2w1.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    np.testing.assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=5e-9)
    np.testing.assert_array_equal(cache[1], [[True, False, True, True, True], [True, True, True, True, True]])
    np.testing.assert_array_equal(cache[6], [[True, True, True, False, True], [True, True, True, True, True],
                                             [False, False, True, True, False]])
    np.testing.assert_allclose(cache[7][0], [0.75765067, 8.40591658, 4.40550021, 0.0, 0.75765067], atol=5e-8)
    # A legacy RandomState (a TypeError about dtype before) and an int seed give the same masks.
    for rng in (np.random.RandomState(1), 1):
        A3_r, _ = c2w1.forward_propagation_with_dropout(X, parameters, keep_prob=0.7, rng=rng)
        np.testing.assert_array_equal(A3_r, A3)


def test_regularization_public_values():
    np.random.seed(1)  # compute_cost_with_regularization_test: the parameters are the first draws
    parameters = {"W1": np.random.randn(2, 3), "b1": np.random.randn(2, 1), "W2": np.random.randn(3, 2),
                  "b2": np.random.randn(3, 1), "W3": np.random.randn(1, 3), "b3": np.random.randn(1, 1)}
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = np.array([[1, 1, 0, 1, 0]])
    cost = c2w1.compute_cost_with_regularization(A3, Y, parameters, lambd=0.1)
    assert cost == pytest.approx(1.7864859451590758, rel=1e-12)
    X, parameters = _regularization_case()
    cache = c2w1.forward(X, parameters)[1]
    # the public test's own cache (from the notebook's forward pass on these parameters)
    np.testing.assert_allclose(cache[0][0], [-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
                               rtol=1e-7)
    grads = c2w1.backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
    np.testing.assert_allclose(grads["dW1"], [[-0.25604646, 0.12298827, -0.28297129],
                                              [-0.17706303, 0.34536094, -0.4410571]], rtol=1e-6)
    np.testing.assert_allclose(grads["dW2"], [[0.79276486, 0.85133918], [-0.0957219, -0.01720463],
                                              [-0.13100772, -0.03750433]], rtol=1e-6)
    np.testing.assert_allclose(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]], rtol=1e-6)
    np.testing.assert_allclose(grads["db1"], [[0.11845855], [0.21236874]], rtol=1e-6)


def test_backward_propagation_with_dropout_public_values():
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    a = np.array
    cache = (a([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
                [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]]),
             a([[True, False, True, True, True], [True, True, True, True, False]]),
             a([[0., 0., 4.27989081, 5.21401307, 0.], [0., 8.32019881, 1.58102041, 2.92987024, 0.]]),
             a([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]]),
             a([[1.14472371], [0.90159072]]),
             a([[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
                [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
                [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]]),
             a([[True, False, True, False, True], [False, True, False, True, True], [False, False, True, False, False]]),
             a([[1.06071093, 0., 8.21049603, 0., 1.06071093], [0.] * 5, [0.] * 5]),
             a([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]]),
             a([[0.53035547], [-0.69166075], [-0.39675353]]),
             a([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]]),
             a([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]]),
             a([[-0.6871727, -0.84520564, -0.67124613]]),
             a([[-0.0126646]]))
    grads = c2w1.backward_propagation_with_dropout(X, Y, cache, keep_prob=0.8)
    np.testing.assert_allclose(grads["dA1"], [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748],
                                              [0.65515713, 0.0, -0.00337459, 0.0, -0.0]], atol=5e-8)
    np.testing.assert_allclose(grads["dA2"], [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731],
                                              [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
                                              [0.0, 0.0, -0.00292733, 0.0, -0.0]], atol=5e-8)
    np.testing.assert_allclose(grads["dW3"], [[-0.06951191, 0.0, 0.0]], atol=5e-8)
    np.testing.assert_allclose(grads["dW1"], [[0.00019884, 0.00028657, 0.00012138],
                                              [0.00035647, 0.00051375, 0.00021761]], atol=5e-8)
    np.testing.assert_allclose(grads["db1"], [[-0.00037647], [-0.00067492]], atol=5e-8)


def test_gradient_check_n_takes_the_notebooks_rank1_labels():
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])  # rank 1, as gradient_check_n_test_case gives it
    parameters = {"W1": np.random.randn(5, 4), "b1": np.random.randn(5, 1), "W2": np.random.randn(3, 5),
                  "b2": np.random.randn(3, 1), "W3": np.random.randn(1, 3), "b3": np.random.randn(1, 1)}
    cost, cache = c2w1.forward_propagation_n(x, y, parameters)
    gradients = c2w1.backward_propagation_n(x, y, cache)
    assert c2w1.gradient_check_n(parameters, gradients, x, y, 1e-7) < 2e-7
    # The notebook's backward_propagation_n carries two deliberate mistakes; with them the
    # notebook prints "difference = 0.2850931567761623".
    A1, dZ1, dZ2 = cache[1], gradients["dZ1"], gradients["dZ2"]
    wrong = dict(gradients, dW2=1. / 3 * np.dot(dZ2, A1.T) * 2, db1=4. / 3 * np.sum(dZ1, axis=1, keepdims=True))
    assert c2w1.gradient_check_n(parameters, wrong, x, y, 1e-7) == pytest.approx(0.2850931567761623, rel=1e-8)
    assert c2w1.gradient_check(2, 4) == pytest.approx(2.919335883291695e-10, rel=1e-6)


def test_initialization_model_zeros_cost_is_ln2(capsys):
    X = np.array([[0.5, -0.3, 0.2, 0.9], [0.1, 0.4, -0.7, 0.0]])
    Y = np.array([[1, 0, 1, 0]])
    p = c2w1.model_initialization(X, Y, num_iterations=1001, initialization="zeros")
    out = capsys.readouterr().out.splitlines()
    # The notebook prints "Cost after iteration 0: 0.6931471805599453" and the same at 1000.
    assert out == ["Cost after iteration 0: 0.6931471805599453", "Cost after iteration 1000: 0.6931471805599453"]
    assert not any(v.any() for v in p.values())
    with pytest.raises(ValueError, match="initialization"):
        c2w1.model_initialization(X, Y, initialization="xavier")


def test_initialization_model_he_on_the_notebooks_circles(capsys):
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1)
    train_X, train_Y = datasets.make_circles(n_samples=300, noise=.05)  # init_utils.load_dataset
    c2w1.model_initialization(train_X.T, train_Y.reshape(1, -1), num_iterations=1001, initialization="he")
    printed = [float(line.split(": ")[1]) for line in capsys.readouterr().out.splitlines()]
    assert printed == pytest.approx([0.8830537463419761, 0.6879825919728063], rel=1e-12)


def test_regularization_model_lambd_or_keep_prob():
    from nndl.course import reg_utils
    train_X, train_Y, test_X, test_Y = reg_utils.load_2D_dataset()
    assert train_X.shape == (2, 211) and test_X.shape == (2, 200) and train_Y.shape == (1, 211)
    with pytest.raises(ValueError, match="one at a time"):
        c2w1.model(train_X, train_Y, lambd=0.7, keep_prob=0.8)
    np.random.seed(0)
    p = reg_utils.initialize_parameters([2, 20, 3, 1])
    r = np.random.RandomState(3)
    np.testing.assert_allclose(p["W1"], r.randn(20, 2) / np.sqrt(2), rtol=1e-14)
    assert reg_utils.predict_dec(p, test_X).dtype == bool


# ---------------------------------------------------------------- C2W2: optimization

def test_random_mini_batches_public_value():
    np.random.seed(1)
    X = np.random.randn(7, 3)
    Y = np.random.randn(1, 3) < 0.5
    batches = c2w2.random_mini_batches(X, Y, 2)
    assert len(batches) == 2
    np.testing.assert_allclose(batches[0][0][:2], [[-0.52817175, -0.61175641], [-2.3015387, 0.86540763]],
                               atol=5e-9)
    np.testing.assert_array_equal(batches[0][1], [[False, False]])
    np.testing.assert_allclose(batches[1][0][:, 0], [1.62434536, -1.07296862, 1.74481176, -0.24937038,
                                                     -0.3224172, -1.09989127, 0.04221375], atol=5e-9)


def test_c2w2_model_first_epoch_costs(capsys):
    from nndl.course import opt_utils
    pytest.importorskip("sklearn")
    train_X, train_Y = opt_utils.load_dataset()
    for optimizer in ("gd", "momentum", "adam"):
        c2w2.model(train_X, train_Y, [train_X.shape[0], 5, 2, 1], optimizer, num_epochs=1)
    # The notebook's "Cost after epoch 0" for gd, momentum and Adam.
    assert capsys.readouterr().out.splitlines() == ["Cost after epoch 0: 0.702405", "Cost after epoch 0: 0.702413",
                                                    "Cost after epoch 0: 0.702166"]
    c2w2.model(train_X, train_Y, [2, 5, 2, 1], "gd", learning_rate=0.1, num_epochs=1, decay=c2w2.update_lr)
    assert capsys.readouterr().out.splitlines() == ["Cost after epoch 0: 0.701091",
                                                    "learning rate after epoch 0: 0.100000"]
    with pytest.raises(ValueError, match="optimizer"):
        c2w2.model(train_X, train_Y, [2, 5, 2, 1], "sgd")


def test_c1w2_model_public_value_with_rank1_test_labels():
    # W2A2 public_tests.py model_test: y_test is rank 1 there.
    np.random.seed(0)
    Y, X = np.array([1, 0, 1]).reshape(1, 3), np.random.randn(4, 3)
    x_test = np.concatenate((X, X), axis=1)
    y_test = np.array([1, 0, 1, 1, 0, 1])
    d = c1w2.model(X, Y, x_test, y_test, num_iterations=50, learning_rate=1e-4)
    assert len(d["costs"]) == 1 and d["costs"][0] == pytest.approx(0.69314718, abs=5e-9)
    np.testing.assert_allclose(d["w"], [[0.00194946], [-0.0005046], [0.00083111], [0.00143207]], atol=5e-9)
    assert d["b"] == pytest.approx(0.000831188, abs=1e-9)
    np.testing.assert_array_equal(d["Y_prediction_test"], [[1, 1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(d["Y_prediction_train"], [[1, 1, 1]])


def test_c1w3_forward_update_predict_public_values():
    np.random.seed(1)
    X = np.random.randn(2, 3)
    b1 = np.random.randn(4, 1)
    parameters = {"W1": np.array([[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                                  [-0.01793436, -0.00841747], [0.00502881, -0.01245288]]),
                  "W2": np.array([[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]), "b1": b1,
                  "b2": np.array([[-1.3]])}
    A2, cache = c1w3.forward_propagation(X, parameters)
    np.testing.assert_allclose(A2, [[0.21292656, 0.21274673, 0.21295976]], atol=5e-9)
    np.testing.assert_allclose(cache["Z1"][0], [1.7386459, 1.74687437, 1.74830797], atol=5e-8)
    np.testing.assert_allclose(cache["Z2"], [[-1.30737426, -1.30844761, -1.30717618]], atol=5e-9)
    parameters = {"W1": np.array([[-0.00615039, 0.0169021], [-0.02311792, 0.03137121], [-0.0169217, -0.01752545],
                                  [0.00935436, -0.05018221]]),
                  "W2": np.array([[-0.0104319, -0.04019007, 0.01607211, 0.04440255]]),
                  "b1": np.array([[-8.97523455e-07], [8.15562092e-06], [6.04810633e-07], [-2.54560700e-06]]),
                  "b2": np.array([[9.14954378e-05]])}
    grads = {"dW1": np.array([[0.00023322, -0.00205423], [0.00082222, -0.00700776], [-0.00031831, 0.0028636],
                              [-0.00092857, 0.00809933]]),
             "dW2": np.array([[-1.75740039e-05, 3.70231337e-03, -1.25683095e-03, -2.55715317e-03]]),
             "db1": np.array([[1.05570087e-07], [-3.81814487e-06], [-1.90155145e-07], [5.46467802e-07]]),
             "db2": np.array([[-1.08923140e-05]])}
    np.testing.assert_array_equal(c1w3.predict(parameters, X), [[True, False, True]])
    updated = c1w3.update_parameters(parameters, grads)
    np.testing.assert_allclose(updated["W1"], [[-0.00643025, 0.01936718], [-0.02410458, 0.03978052],
                                               [-0.01653973, -0.02096177], [0.01046864, -0.05990141]], atol=5e-9)
    np.testing.assert_allclose(updated["W2"], [[-0.01041081, -0.04463285, 0.01758031, 0.04747113]], atol=5e-9)
    np.testing.assert_allclose(updated["b2"], [[0.00010457]], atol=5e-9)


def test_c2w1_one_dimensional_gradient_check_public_values():
    assert c2w1.forward_propagation(2, 4) == 8 and c2w1.backward_propagation(2, 4) == 2
