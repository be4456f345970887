"""Interface text in Chinese (default) and English.

Every label the portal shows is looked up here, so a missing translation is a
test failure rather than a half-English page in front of a planning meeting.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "page_title": {
        "zh": "规划项目地图",
        "en": "Plan projects map",
    },
    "title": {
        "zh": "地方规划基础设施项目地图",
        "en": "Infrastructure in local plans: project map",
    },
    "subtitle": {
        "zh": "川东北与重庆规划文件中的高速、铁路、水库、公园与园区",
        "en": "Highways, railways, reservoirs, parks and industrial zones "
        "named in plans of northeast Sichuan and Chongqing",
    },
    "english": {"zh": "English", "en": "English"},
    "map_caption": {
        "zh": "底图为离线县级行政区界（{n} 个区县）。边界：{source}。",
        "en": "Offline basemap: county boundaries ({n} counties). Boundaries: {source}.",
    },
    "county": {"zh": "区县", "en": "County"},
    "no_store": {
        "zh": "还没有图层库。请先运行 python scripts/build_layers.py（make run 会自动运行）。",
        "en": "No layer store yet. Run python scripts/build_layers.py (make run does).",
    },
    "filters": {"zh": "筛选", "en": "Filters"},
    "prefectures": {"zh": "地市", "en": "Prefectures"},
    "counties": {"zh": "区县", "en": "Counties"},
    "prefecture_level": {
        "zh": "含只知所在地市的项目",
        "en": "Include projects known only by their prefecture",
    },
    "prefecture_level_help": {
        "zh": "选了区县时，也显示只定位到所在地市的项目（计在地市圆标上）：它们可能就在该区县。",
        "en": "With counties picked, also show the projects placed only at their prefecture's "
        "level (counted on the prefecture's badge): they may well be in the county.",
    },
    "categories": {"zh": "图层", "en": "Layers"},
    "statuses": {"zh": "已报告阶段", "en": "Reported stage"},
    "year": {"zh": "截至年份（按当时已发布的文件）", "en": "As of year (documents issued by then)"},
    "as_of_caption": {
        "zh": "截至 {date} 的文件（{n} 份）",
        "en": "Documents issued up to {date} ({n})",
    },
    "target_years": {"zh": "目标年份范围", "en": "Target-year range"},
    "documents": {"zh": "来源文件", "en": "Source documents"},
    "overdue_only": {"zh": "只看逾期项目", "en": "Overdue only"},
    "search": {"zh": "名称搜索", "en": "Search names"},
    "all": {"zh": "全部", "en": "all"},
    "highway": {"zh": "高速公路", "en": "Highways"},
    "railway": {"zh": "铁路", "en": "Railways"},
    "reservoir": {"zh": "水库", "en": "Reservoirs"},
    "park": {"zh": "公园", "en": "Parks"},
    "industrial_zone": {"zh": "产业园区", "en": "Industrial zones"},
    "other": {"zh": "其他设施", "en": "Other facilities"},
    "proposed": {"zh": "规划", "en": "Proposed"},
    "preparatory": {"zh": "前期", "en": "Preparatory"},
    "under_construction": {"zh": "在建", "en": "Under construction"},
    "completed": {"zh": "建成", "en": "Completed"},
    "overdue": {"zh": "逾期未报完成", "en": "Overdue"},
    "unreported": {"zh": "未报告进展", "en": "No progress reported"},
    "known_stage": {"zh": "已报告阶段", "en": "Reported stage"},
    "planned_stage": {"zh": "计划阶段（当年应达到）", "en": "Planned stage (due by then)"},
    "target": {"zh": "目标", "en": "Target"},
    "target_text": {"zh": "目标 {year} {stage}", "en": "Target {year}: {stage}"},
    "target_undated": {"zh": "目标 {stage}（未定年份）", "en": "Target: {stage} (no year)"},
    "info_date": {"zh": "最新文件日期", "en": "Latest document"},
    "reported_voice": {"zh": "报告（已达到）", "en": "Reported (reached)"},
    "planned_voice": {"zh": "计划（目标）", "en": "Planned (target)"},
    "voice": {"zh": "性质", "en": "Kind"},
    "sentence": {"zh": "原句", "en": "Sentence"},
    "open_source": {"zh": "查看原文", "en": "Open the source"},
    "close_source": {"zh": "关闭原文", "en": "Close the source"},
    "source_view": {"zh": "原文：{title}", "en": "Source: {title}"},
    "source_missing": {
        "zh": "找不到这份文件的原文（{doc_id}）。",
        "en": "The text of this document ({doc_id}) is not available.",
    },
    "after_year": {
        "zh": "（{year} 年以后的文件，不计入当年进展）",
        "en": "(issued after {year}: not counted as of that year)",
    },
    "issuer": {"zh": "发布机关（可选）", "en": "Issued by (optional)"},
    "issuer_default": {
        "zh": "不填则为“行政区 + 人民政府”（决定为“中共…委员会”）",
        "en": "Empty: the jurisdiction's people's government (a decision: its Party committee)",
    },
    "out_of_memory": {
        "zh": "门户处理这个文件时内存不足。请把文件拆成几部分分别上传。",
        "en": "The portal ran out of memory on this file. Split it and upload the parts.",
    },
    "store_state": {
        "zh": "图层库现有门户发布的文件 {n} 份；最近一次：{doc_id}《{title}》，{when}，{editor}。",
        "en": "The store holds {n} document(s) published here; the latest: {doc_id} "
        "“{title}”, {when}, by {editor}.",
    },
    "store_state_none": {
        "zh": "图层库里还没有在门户发布的文件。",
        "en": "The store holds no document published here yet.",
    },
    "not_yet_named": {
        "zh": "截至 {year} 年发布的文件还没有提到这个项目。",
        "en": "No document issued by {year} names this project yet.",
    },
    "project_link": {"zh": "本项目的链接", "en": "Link to this project"},
    "editor_report": {"zh": "编辑更正", "en": "Editor's correction"},
    "legend_target": {
        "zh": "空心/半透明：计划目标超前于已报告进展",
        "en": "Hollow/faded: the plan's target is ahead of reported progress",
    },
    "legend_colour": {
        "zh": "颜色 = 文件已报告的阶段（不是计划）",
        "en": "Colour = stage documents reported (not planned)",
    },
    "legend": {"zh": "图例", "en": "Legend"},
    "legend_route": {
        "zh": "线路为示意（连接各节点）",
        "en": "Lines are schematic (through named places)",
    },
    "legend_area": {
        "zh": "虚线范围：只知道所在区县或地市",
        "en": "Dashed outline: only the county or city is known",
    },
    "legend_point": {
        "zh": "圆点：设施或其所在乡镇的位置",
        "en": "Dot: the facility, or the township it is named after",
    },
    # The project map's own words (portal/projectmap.py, portal/frontend/project_map).
    "legend_badge": {
        "zh": "数字圆标：只知所在区县或地市的项目数，环色为阶段；点击列出",
        "en": "Numbered ring: projects known only by a county or prefecture, "
        "ring coloured by stage; click to list them",
    },
    "legend_parallel": {
        "zh": "并行的线：同一走廊上的几个项目",
        "en": "Side-by-side lines: several projects on one corridor",
    },
    "map_here": {"zh": "此处 {n} 个项目", "en": "{n} projects here"},
    "map_unit_county": {
        "zh": "{name}：{n} 个项目只知在本区县",
        "en": "{name}: {n} projects known only by this county",
    },
    "map_unit_city": {
        "zh": "{name}：{n} 个项目只知在本地市",
        "en": "{name}: {n} projects known only by this prefecture",
    },
    "map_unit_area": {
        "zh": "{name}：{n} 个项目只知所在范围",
        "en": "{name}: {n} projects known only by this area",
    },
    "map_unit_tag": {"zh": "全{name}", "en": "All {name}"},
    "map_pick_hint": {"zh": "点击名称查看详情", "en": "Click a name for its details"},
    "map_list_hint": {"zh": "点击列出这些项目", "en": "Click to list them"},
    "map_total": {"zh": "合计", "en": "Total"},
    "map_layers_hint": {
        "zh": "勾选即筛选：与侧栏“图层”相同",
        "en": "Ticks filter: the same as the sidebar's Layers",
    },
    "close_details": {"zh": "关闭详情", "en": "Close details"},
    "summary": {
        "zh": "共 {n} 个项目（截至 {year} 年已报告：建成 {done} 个，在建 {building} 个，"
        "前期 {preparing} 个，规划 {proposed} 个；未报告进展 {none} 个；逾期未报完成 {late} 个）",
        "en": "{n} projects as of {year}, reported: {done} completed, {building} under "
        "construction, {preparing} preparatory, {proposed} proposed; {none} with no progress "
        "reported; {late} overdue",
    },
    "summary_prefecture_wide": {
        "zh": "。其中 {n} 个只知所在地市（含逾期 {late} 个）",
        "en": ". Of these, known only by the prefecture: {n} ({late} overdue)",
    },
    "name": {"zh": "名称", "en": "Name"},
    "status": {"zh": "状态", "en": "Status"},
    "target_year": {"zh": "目标年份", "en": "Target year"},
    "precision": {"zh": "定位精度", "en": "Precision"},
    "geocode_method": {"zh": "定位方法", "en": "How it was located"},
    "category": {"zh": "图层", "en": "Layer"},
    "aliases": {"zh": "别名", "en": "Also called"},
    "length_km": {"zh": "长度（公里，示意）", "en": "Length (km, schematic)"},
    "details": {"zh": "项目详情", "en": "Project details"},
    "details_hint": {
        "zh": "点击地图上的项目或表格中的一行查看详情。",
        "en": "Click a project on the map or a row in the table for its details.",
    },
    "timeline": {"zh": "各文件的表述", "en": "What each document says"},
    "document": {"zh": "文件", "en": "Document"},
    "issued": {"zh": "日期", "en": "Date"},
    "quote": {"zh": "原文", "en": "Quote"},
    "table": {"zh": "项目表", "en": "Projects"},
    "by_layer_status": {
        "zh": "各图层项目数（按已报告阶段）",
        "en": "Projects by layer and reported stage",
    },
    "by_target_year": {
        "zh": "目标年份分布（按已报告阶段）",
        "en": "Target years by reported stage",
    },
    "downloads": {"zh": "下载当前选择", "en": "Download this selection"},
    "format": {"zh": "格式", "en": "Format"},
    "prepare_download": {"zh": "生成 {fmt} 文件", "en": "Make the {fmt} file"},
    # Formats in words (portal/wording.py format_label), for the picker and its buttons.
    "format_geojson": {
        "zh": "GeoJSON（每个图层一个文件，.zip）",
        "en": "GeoJSON (a file per layer, .zip)",
    },
    "format_gpkg": {"zh": "GeoPackage（.gpkg）", "en": "GeoPackage (.gpkg)"},
    "format_csv": {"zh": "CSV 表格（.csv）", "en": "CSV table (.csv)"},
    "format_xlsx": {"zh": "Excel 表格（.xlsx）", "en": "Excel workbook (.xlsx)"},
    "format_kml": {"zh": "KML（奥维、Google Earth，.kml）", "en": "KML (Google Earth, Ovi; .kml)"},
    "format_shp": {"zh": "Shapefile（压缩包，.zip）", "en": "Shapefile (zipped, .zip)"},
    "download_file": {"zh": "⬇ 下载 {fmt}", "en": "⬇ Download {fmt}"},
    # Streamlit's own prompts, replaced (placeholder=…) so a Chinese page shows no English.
    "choose_options": {"zh": "请选择（可多选）", "en": "Choose options"},
    "choose_option": {"zh": "请选择", "en": "Choose an option"},
    "choose_or_type": {"zh": "请选择或输入", "en": "Choose or type one"},
    "upload_button": {"zh": "选择文件", "en": "Choose a file"},
    # Column heads of the editors' table of published documents (portal/editor.py).
    "col_doc_id": {"zh": "文件编号", "en": "Document id"},
    "col_issuer": {"zh": "发布机关", "en": "Issued by"},
    "col_editor": {"zh": "编辑", "en": "Editor"},
    "col_published_at": {"zh": "发布时间", "en": "Published at"},
    "col_original_name": {"zh": "上传文件名", "en": "Uploaded file"},
    "col_reason": {"zh": "发布说明", "en": "Reason"},
    "all_area": {"zh": "全部区域", "en": "Whole area"},
    "in_year": {"zh": "{year} 年", "en": "as of {year}"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_offline": {"zh": "离线区县边界（默认）", "en": "Offline county outlines (default)"},
    "basemap_osm": {"zh": "OpenStreetMap（需联网）", "en": "OpenStreetMap (online)"},
    "basemap_amap": {"zh": "高德地图（需联网，GCJ-02）", "en": "AMap/Gaode (online, GCJ-02)"},
    "basemap_amap_satellite": {
        "zh": "高德影像（需联网，GCJ-02）",
        "en": "AMap imagery (online, GCJ-02)",
    },
    "basemap_tianditu": {"zh": "天地图矢量（需联网）", "en": "Tianditu vector (online)"},
    "basemap_tianditu_imagery": {"zh": "天地图影像（需联网）", "en": "Tianditu imagery (online)"},
    "basemap_online": {
        "zh": "在线底图需要互联网；内网环境请用离线底图。",
        "en": "Online basemaps need the internet; on an intranet use the offline one.",
    },
    "presentation": {"zh": "演示模式", "en": "Presentation mode"},
    "exit_presentation": {"zh": "退出演示", "en": "Exit"},
    "export_figure": {"zh": "导出图片（{fmt}）", "en": "Export figure ({fmt})"},
    "figure_failed": {"zh": "无法生成图片（{fmt}）", "en": "Figure ({fmt}) unavailable"},
    "figure_sources_head": {"zh": "资料来源", "en": "Sources"},
    "figure_document": {"zh": "{issuer}《{title}》，{date}", "en": "{issuer}, “{title}”, {date}"},
    "figure_document_id": {"zh": "规划文件 {doc_id}", "en": "Plan document {doc_id}"},
    "figure_more_documents": {"zh": "……共 {n} 份文件", "en": "… {n} documents in all"},
    "figure_boundaries": {
        "zh": "行政区界：{boundaries}；制图日期：{date}。",
        "en": "Boundaries: {boundaries}; drawn {date}.",
    },
    "figure_badge": {
        "zh": "圆中数字：只知道所在区县或地市的项目数（虚线为其范围，环按阶段分色）",
        "en": "Number in a circle: projects known only by their county or prefecture "
        "(dashed: its outline; ring: their stages)",
    },
    "figure_counties": {"zh": "所选区县", "en": "Counties in view"},
    "figure_unlabelled": {
        "zh": "另有 {n} 个项目未标注名称（避免重叠）",
        "en": "{n} more not named (to avoid overlaps)",
    },
    "n_projects": {"zh": "{n} 个项目", "en": "{n} projects"},
    "one_project": {"zh": "1 个项目", "en": "1 project"},
    "chart_projects": {"zh": "项目数", "en": "Projects"},
    "zh_headers": {"zh": "中文表头和用词", "en": "Chinese headers"},
    "fmt_geojson": {
        "zh": "GeoJSON（每个图层一个文件，ZIP 压缩包）",
        "en": "GeoJSON (one file per layer, in a ZIP)",
    },
    "fmt_gpkg": {"zh": "GeoPackage（.gpkg，GIS 软件）", "en": "GeoPackage (.gpkg, for GIS)"},
    "fmt_csv": {"zh": "CSV 表格（坐标为 WKT）", "en": "CSV table (geometry as WKT)"},
    "fmt_xlsx": {"zh": "Excel 表格（.xlsx）", "en": "Excel workbook (.xlsx)"},
    "fmt_kml": {"zh": "KML（奥维、Google 地球）", "en": "KML (Google Earth)"},
    "fmt_shp": {"zh": "Shapefile（ZIP 压缩包）", "en": "Shapefile (in a ZIP)"},
    "years": {"zh": "年份", "en": "Years"},
    "exact": {"zh": "精确", "en": "Exact"},
    "near": {"zh": "邻近（所在乡镇）", "en": "Near (township)"},
    "route": {"zh": "示意线路", "en": "Schematic route"},
    "city": {"zh": "地市", "en": "Prefecture"},
    "unlocated": {"zh": "未定位", "en": "Unlocated"},
    "prefecture": {"zh": "地市", "en": "Prefecture"},
    "adcode": {"zh": "行政区划代码", "en": "Adcode"},
    # ---- editors: sign-in, upload, review, publish
    "page_map": {"zh": "项目地图", "en": "Project map"},
    "page_signin": {"zh": "编辑登录", "en": "Editor sign-in"},
    "page_edit": {"zh": "添加文件", "en": "Add a document"},
    "signin_help": {
        "zh": "浏览地图无需登录。只有编辑可以上传和发布文件。",
        "en": "Viewing needs no sign-in. Only editors upload and publish documents.",
    },
    "editor_name": {"zh": "编辑用户名", "en": "Editor name"},
    "password": {"zh": "密码", "en": "Password"},
    "signin": {"zh": "登录", "en": "Sign in"},
    "signout": {"zh": "退出登录（{name}）", "en": "Sign out ({name})"},
    "signed_in_as": {"zh": "已登录编辑：{name}", "en": "Signed in as editor {name}"},
    "editors_only": {"zh": "此页面仅限编辑。", "en": "This page is for editors only."},
    "upload": {
        "zh": "上传规划文件（.txt 任意编码、.docx、.pdf；不超过 {limit} MB）",
        "en": "Upload a plan document (.txt in any encoding, .docx, .pdf; at most {limit} MB)",
    },
    "catalog": {
        "zh": "文件目录信息（已根据正文预填，请核对）",
        "en": "Catalog entry (prefilled from the text; check it)",
    },
    "doc_title": {"zh": "标题", "en": "Title"},
    "jurisdiction": {"zh": "发文行政区", "en": "Jurisdiction"},
    "issue_date": {"zh": "发布日期（YYYY-MM-DD）", "en": "Issue date (YYYY-MM-DD)"},
    "kind": {"zh": "文件类型", "en": "Kind"},
    "extract": {"zh": "提取项目", "en": "Extract projects"},
    "review": {"zh": "核对提取结果（{n} 条）", "en": "Review the extracted records ({n})"},
    "review_help": {
        "zh": "取消勾选“纳入”以排除一条；可直接修改名称、图层、状态、目标年份和区县（用 | 分隔）。",
        "en": "Untick Include to leave a record out; edit name, layer, stage, target year "
        "and counties (separated by |) in place.",
    },
    "include": {"zh": "纳入", "en": "Include"},
    "context": {"zh": "原文（含上下文）", "en": "Quote in context"},
    "location": {"zh": "自动定位", "en": "Automatic location"},
    "place": {"zh": "定位一条记录", "en": "Place a record"},
    "place_record": {"zh": "记录", "en": "Record"},
    "place_choice": {"zh": "位置", "en": "Location"},
    "place_auto": {"zh": "自动：{how}（{precision}）", "en": "Automatic: {how} ({precision})"},
    "place_unit": {"zh": "整个{name}（{precision}）", "en": "All of {name} ({precision})"},
    "place_draw": {"zh": "在地图上画点或线", "en": "Draw a point or line on the map"},
    "draw_help": {
        "zh": "用地图左上角的工具画一个点或一条线；以最后画的为准。",
        "en": "Use the tools at the map's top left to draw a point or a line; the last one counts.",
    },
    "draw_precision": {"zh": "所画位置的精度", "en": "Precision of the drawing"},
    "keep_place": {"zh": "采用这个位置", "en": "Use this location"},
    "placed": {"zh": "已定位：{records}", "en": "Placed: {records}"},
    "nothing_drawn": {"zh": "地图上还没有画任何东西。", "en": "Nothing is drawn on the map yet."},
    "reason": {
        "zh": "发布说明（修改理由，记入日志）",
        "en": "Reason (kept in the log with your changes)",
    },
    "publish": {"zh": "发布", "en": "Publish"},
    "published": {
        "zh": "已发布 {doc_id}：{n} 条记录。浏览者刷新后即可在地图上看到。",
        "en": "Published {doc_id}: {n} records. Viewers see them on the map at once.",
    },
    "published_docs": {"zh": "已在门户发布的文件", "en": "Documents published in the portal"},
    "undo": {"zh": "撤销发布", "en": "Undo publish"},
    "undone": {
        "zh": "已撤销 {doc_id}；修改日志仍保留。",
        "en": "Withdrew {doc_id}; its corrections stay in the log.",
    },
    "refused": {"zh": "未写入任何内容：", "en": "Nothing was written:"},
    "kind_five_year_plan": {"zh": "五年规划", "en": "Five-year plan"},
    "kind_work_report": {"zh": "政府工作报告", "en": "Government work report"},
    "kind_task_breakdown": {"zh": "任务分解 / 责任分工", "en": "Task breakdown"},
    "kind_decision": {"zh": "决定", "en": "Decision"},
    "kind_plan": {"zh": "专项规划 / 方案", "en": "Plan or programme"},
    "kind_other": {"zh": "其他", "en": "Other"},
    "contexts": {"zh": "逐条原文与上下文", "en": "Every quote in its context"},
    # ---- editors: the placement queue (portal/placement.py)
    "page_place": {"zh": "待定位项目", "en": "Placement queue"},
    "queue_count": {
        "zh": "{n} 个项目仍只知到区县或地市",
        "en": "{n} projects are still known only to their county or prefecture",
    },
    "queue_help": {
        "zh": "按被提及次数排序。采用一个候选地点，或在地图上画点或线；"
        "每次定位都记入修改日志（谁、何时、为何），重建图层后仍然有效。",
        "en": "Most-mentioned first. Accept a candidate, or draw a point or line on the map; "
        "each placement is logged (who, when, why) and survives every rebuild.",
    },
    "queue_empty": {"zh": "没有待定位的项目。", "en": "No project is waiting to be placed."},
    "queue_project": {"zh": "项目", "en": "Project"},
    "queue_option": {
        "zh": "{name}（{precision}，{n} 次提及）",
        "en": "{name} ({precision}, {n} mentions)",
    },
    "mentions_count": {"zh": "提及次数", "en": "Mentions"},
    "documents_count": {"zh": "文件数", "en": "Documents"},
    "queue_quotes": {"zh": "文件原文（{n} 处）", "en": "What the documents say ({n})"},
    "queue_now": {"zh": "当前位置：{method}", "en": "Now: {method}"},
    "queue_map_help": {
        "zh": "虚线为项目当前的区县或地市范围；编号圆点为候选地点。",
        "en": "The dashed outline is the project's county or prefecture now; "
        "numbered dots are the candidates.",
    },
    "candidates_head": {"zh": "候选地点（{n}）", "en": "Candidates ({n})"},
    "no_candidates": {
        "zh": "名称和原文中没有提到本区县的乡镇、村或车站。可以在地图上画点或线。",
        "en": "Neither the name nor the quotes name a township, village or station of its "
        "counties. Draw a point or line on the map instead.",
    },
    "candidate_line": {
        "zh": "{rank}. {name}（{kind}，{county}）",
        "en": "{rank}. {name} ({kind}, {county})",
    },
    "found_name": {"zh": "项目名称中有“{stem}”", "en": "“{stem}” is in the project's name"},
    "found_quote": {"zh": "原文中有“{stem}”", "en": "“{stem}” is in a quote"},
    "found_sentence": {
        "zh": "原文所在句子中有“{stem}”",
        "en": "“{stem}” is in a quote's sentence",
    },
    "locality_township": {"zh": "乡镇街道", "en": "township"},
    "locality_village": {"zh": "村/社区", "en": "village"},
    "locality_station": {"zh": "火车站", "en": "station"},
    "accept": {"zh": "采用", "en": "Accept"},
    "place_reason": {
        "zh": "理由（可选，与定位一起记入日志）",
        "en": "Reason (optional, logged with the placement)",
    },
    "draw_instead": {
        "zh": "都不对？在地图上画点或线",
        "en": "None fits? Draw a point or line on the map",
    },
    "accept_drawing": {"zh": "采用所画位置", "en": "Use the drawing"},
    "placed_from_queue": {
        "zh": "已定位“{name}”：{place}，精度：{precision}。修改已记入图层库，"
        "下次重建图层（python scripts/build_layers.py）后地图上即显示新位置。",
        "en": "Placed “{name}”: {place}, precision: {precision}. The correction is in the store; "
        "the map shows the new place after the next rebuild (python scripts/build_layers.py).",
    },
    "large_store": {
        "zh": "大型图层库（{n} 个项目）：地图只向数据库请求视野内的项目，下方的统计、"
        "图表、项目表和下载也只含视野内的项目。平移或缩放地图即更新。",
        "en": "Large store ({n} projects): the map asks the store for the projects in its "
        "view, and the counts, charts, table and downloads below cover the view only. "
        "Pan or zoom the map to update them.",
    },
    "view_cells": {
        "zh": "视野内有 {n} 个项目，超过 {limit} 个，无法逐一绘制：圆圈中的数字是该处的项目数"
        "（按项目范围的中心计）。点击圆圈或放大地图即可看到项目。",
        "en": "{n} projects in view, more than {limit} to draw one by one: each circle gives "
        "how many are there (by the centre of each project's extent). Click a circle or zoom "
        "in to see them.",
    },
    "view_cells_filters": {
        "zh": "所选年份 {year} 不是图层库的年份（{own}），按阶段、逾期和目标年份的筛选要等项目"
        "逐一绘制后才生效，圆圈中的数字未按它们筛选。",
        "en": "The chosen year {year} is not the store's own ({own}): the stage, overdue and "
        "target-year filters apply once the projects are drawn; the circles' counts are "
        "before them.",
    },
    "view_summary": {"zh": "视野内：{summary}", "en": "In view: {summary}"},
    "view_zoom_in": {
        "zh": "放大地图到项目逐一绘制时，这里列出视野内的项目、图表和下载。",
        "en": "Zoom in until the projects are drawn to list them here, with charts and downloads.",
    },
    "map_cell_tip": {"zh": "此处 {n} 个项目，点击放大", "en": "{n} projects here: click to zoom"},
    "drawn_place": {"zh": "所画的{shape}", "en": "the drawn {shape}"},
    "shape_point": {"zh": "点", "en": "point"},
    "shape_line": {"zh": "线", "en": "line"},
}


ENGLISH_ONE: dict[str, str] = {
    "map_caption": "Offline basemap: county boundaries (1 county). Boundaries: {source}.",
    "map_here": "1 project here",
    "map_unit_county": "{name}: 1 project known only by this county",
    "map_unit_city": "{name}: 1 project known only by this prefecture",
    "map_unit_area": "{name}: 1 project known only by this area",
    "map_cell_tip": "1 project here: click to zoom",
    "summary": "1 project as of {year}, reported: {done} completed, {building} under "
    "construction, {preparing} preparatory, {proposed} proposed; {none} with no progress "
    "reported; {late} overdue",
    "queue_count": "1 project is still known only to its county or prefecture",
    "figure_unlabelled": "1 more not named (to avoid overlaps)",
}
"""The English of a count label when its ``n`` is 1 (Chinese has no plural)."""


def translate(key: str, lang: str, **values: object) -> str:
    """Return the label for ``key`` in ``lang``, filled with ``values``.

    An English count label with ``n`` equal to 1 takes its singular form from
    :data:`ENGLISH_ONE` ("1 county", not "1 counties").

    Raises
    ------
    KeyError
        If the key or language is unknown (a programming error, not user input).
    """
    text = LABELS[key][lang]
    if lang == "en" and values.get("n") == 1 and key in ENGLISH_ONE:
        text = ENGLISH_ONE[key]
    return text.format(**values)
