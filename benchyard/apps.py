from django.apps import AppConfig


class BenchyardConfig(AppConfig):
    name = "benchyard"
    verbose_name = "Bench yardstick"
