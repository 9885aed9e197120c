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

urlpatterns += [
    path("supervision/<slug:site>/open-settings/", open_views.settings_page, name="open-settings"),
    path("supervision/<slug:site>/inspections/", open_views.inspections, name="inspections"),
    path("supervision/<slug:site>/inspections/<int:pk>/", open_views.inspection_detail, name="inspection"),
    path("supervision/<slug:site>/complaints/<int:pk>/finding/", open_views.complaint_finding, name="finding"),
    path("supervision/<slug:site>/evaluation/", open_views.evaluation_page, name="evaluation"),
    path("supervision/<slug:site>/evaluation.csv", open_views.evaluation_csv, name="evaluation-csv"),
    # Officers: their own record.
    path("my/record/", open_views.my_record, name="my-record"),
    path("my/inspections/<int:pk>/acknowledge/", open_views.acknowledge, name="acknowledge"),
]
