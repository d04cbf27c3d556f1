from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark (`make bench`, `make soak`): `seed_bench` and the minimal view.

    Installed only when benchmarking: DJANGO_BENCH=1 or DJANGO_BENCH_VIEWS=1 (config/settings.py).
    """

    name = "bench"
    verbose_name = "Benchmark"
