"""Progress lines: one configuration, one finished trial."""

from __future__ import annotations

from typing import Any


def format_config(config: dict[str, Any]) -> str:
    """A configuration on one line: optimizer, α, β, hidden sizes n[1]x…, activation, keep_prob, λ, batch."""
    hidden = "x".join(map(str, config["hidden"])) or "none"
    return (f"{config['optimizer']} lr={config['learning_rate']:.2e} beta={config['beta']:.4f} "
            f"hidden={hidden} {config['activation']} keep_prob={config['keep_prob']:.2f} "
            f"lambd={config['lambd']:.1e} batch={config['batch_size']}")


def format_trial(t) -> str:
    """One line per finished trial: number, state, value, dev accuracy, configuration, time."""
    state = t.state.name.lower()
    if "diverged" in t.user_attrs:
        state = "diverged"
    elif "pruned_at_epoch" in t.user_attrs:
        state = f"pruned@{t.user_attrs['pruned_at_epoch']}"
    value = t.value if t.value is not None else (t.intermediate_values.get(t.last_step) if t.last_step is not None else None)
    value_s = f"{value:.4f}" if value is not None else "-"
    acc = t.user_attrs.get("dev_accuracy")
    acc_s = f"{acc:.2%}" if acc is not None else "-"
    config = t.user_attrs.get("config")
    return (f"trial {t.number:>3}  {state:<10} dev_cost {value_s:>8}  dev_acc {acc_s:>7}  "
            f"{format_config(config) if config else ''}  {t.user_attrs.get('seconds', 0):.2f}s")


def _print_trial(study, trial) -> None:
    print(format_trial(trial), flush=True)
