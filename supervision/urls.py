from django.urls import path

from supervision import open_views, views

app_name = "supervision"

urlpatterns = [
    # Fixed path (SPEC): supervision.
    path("supervision/<slug:site>/", views.overview, name="overview"),
    path("supervision/<slug:site>/export/<slug:table>.csv", views.export_csv, name="export"),
    path("supervision/<slug:site>/audit/", views.audit, name="audit"),
    path("supervision/<slug:site>/cases/", views.case_list, name="cases"),
    path("supervision/<slug:site>/cases/<int:pk>/", views.case_detail, name="case"),
    path("supervision/<slug:site>/complaints/", views.complaint_list, name="complaints"),
    path("supervision/<slug:site>/complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    # Public.
    path("complaints/<slug:site>/", views.complaint_form, name="complaint-form"),
    path("rate/<slug:site>/<int:number>/", views.rating_tablet, name="rating-tablet"),
]

urlpatterns += [
    # Fixed path (SPEC): the public accountability page.
    path("open/<slug:site>/", open_views.open_page, name="open"),
]
