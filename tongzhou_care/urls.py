from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "住院护理补贴保险 · 系统管理"
admin.site.site_title = "住院护理补贴保险"
admin.site.index_title = "用户与基础数据"

urlpatterns = [
    path("", include("tongzhou_care.core.urls")),
    path("", include("enrollment.urls")),
    path("", include("claims.urls")),
    path("", include("oversight.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "tongzhou_care.core.views.bad_request"
handler403 = "tongzhou_care.core.views.permission_denied"
handler404 = "tongzhou_care.core.views.page_not_found"
handler500 = "tongzhou_care.core.views.server_error"
