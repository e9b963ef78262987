from django.urls import include, path


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom), path("", include("hope.site.urls"))]
