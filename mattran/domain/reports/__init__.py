"""Advisory reports drafted by prompt (báo cáo tham mưu): understand the request, gather the figures within the
cadre's scope, write the sections, lay the document out per Nghị định 30/2020/NĐ-CP, save every version."""
