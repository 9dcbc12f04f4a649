"""Speed comparisons of nndl against PyTorch (CPU) and scikit-learn, run from the repository root:

    python -m benchmarks mlp [--quick] [--epochs N] [--batch-sizes 32,128,512]

Every framework runs in the same process on the same data, architecture, batch size, thread
count and number of epochs; epochs of the frameworks are interleaved, so drift on a shared
machine hits all of them alike, and the report gives medians and the ratios measured in the
same run. Results and the command that produced them are kept in BENCHMARKS.md.
"""
