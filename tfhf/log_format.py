"""How the commands print progress: section banners and one-line metric summaries."""


def banner(log, title):
    log(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def describe_metrics(metrics):
    """`bleu 12.3, loss 4.5` for the numbers of a metrics dict."""
    return ", ".join(
        f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
        for key, value in metrics.items()
        if is_number(value)
    )


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def trained_share(trained, total):
    """'2,306 of 120,450 parameters trained (1.9%)': what a LoRA run trains, as the log and the model card say it."""
    return f"{trained:,} of {total:,} parameters trained ({100 * trained / max(total, 1):.2g}%)"
