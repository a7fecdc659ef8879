"""What bench/run.py and its parts share: where the project is, the gunicorn shape, and how a
time is printed."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNTHROTTLED = "1000000000/s"
WORKERS, THREADS, CONNECTIONS = 2, 4, 8


def progress(message: str):
    print(message, flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.1f}" if milliseconds < 100 else f"{milliseconds:.0f}"
