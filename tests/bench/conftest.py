import pytest


@pytest.fixture(autouse=True)
def _bench_app(settings):
    """The bench app (seed_bench) is installed only when benchmarking; its tests install it."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
