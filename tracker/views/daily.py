"""The daily loop's routes: the day page, entries, quick logging, products, own foods and
symptoms. Each area's views live in their own module; this one only gathers their routes."""

from tracker.views import day, entries, myfoods, products, symptoms

urlpatterns = [
    *day.urlpatterns,
    *entries.urlpatterns,
    *products.urlpatterns,
    *myfoods.urlpatterns,
    *symptoms.urlpatterns,
]
