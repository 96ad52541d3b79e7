"""AG Grid's texts in Chinese: every key the community grid (filters, paging, screen
reader announcements, validation) asks its locale for, so no English reaches a user."""

from __future__ import annotations

LOCALE_TEXT: dict[str, str] = {
    # Rows and loading
    "noRowsToShow": "没有符合条件的数据", "noMatchingRows": "没有匹配的行",
    "loadingOoo": "正在加载…", "loadingError": "加载失败", "exportingOoo": "正在导出…",
    "blanks": "(空)", "more": "更多",
    # Filter menus
    "applyFilter": "应用", "clearFilter": "清除", "resetFilter": "重置",
    "cancelFilter": "取消", "textFilter": "文本筛选", "numberFilter": "数字筛选",
    "bigintFilter": "整数筛选", "dateFilter": "日期筛选", "setFilter": "值筛选",
    "filterOoo": "筛选…", "empty": "请选择", "equals": "等于", "notEqual": "不等于",
    "lessThan": "小于", "greaterThan": "大于", "inRange": "介于", "inRangeStart": "从",
    "inRangeEnd": "到", "lessThanOrEqual": "小于或等于", "greaterThanOrEqual": "大于或等于",
    "contains": "包含", "notContains": "不包含", "startsWith": "开头是", "endsWith": "结尾是",
    "blank": "为空", "notBlank": "不为空", "before": "早于", "after": "晚于",
    "andCondition": "并且", "orCondition": "或者", "dateFormatOoo": "yyyy-mm-dd",
    "filterSummaryInactive": "为 (全部)", "filterSummaryContains": "包含",
    "filterSummaryNotContains": "不包含", "filterSummaryTextEquals": "等于",
    "filterSummaryTextNotEqual": "不等于", "filterSummaryStartsWith": "开头是",
    "filterSummaryEndsWith": "结尾是", "filterSummaryBlank": "为空",
    "filterSummaryNotBlank": "不为空", "filterSummaryEquals": "=",
    "filterSummaryNotEqual": "!=", "filterSummaryGreaterThan": ">",
    "filterSummaryGreaterThanOrEqual": ">=", "filterSummaryLessThan": "<",
    "filterSummaryLessThanOrEqual": "<=", "filterSummaryInRange": "介于",
    "yesterday": "昨天", "today": "今天", "tomorrow": "明天", "last7Days": "近 7 天",
    "lastWeek": "上周", "thisWeek": "本周", "nextWeek": "下周", "last30Days": "近 30 天",
    "lastMonth": "上月", "thisMonth": "本月", "nextMonth": "下月", "last90Days": "近 90 天",
    "lastQuarter": "上季", "thisQuarter": "本季", "nextQuarter": "下季", "lastYear": "去年",
    "thisYear": "今年", "yearToDate": "年初至今", "nextYear": "明年",
    "last6Months": "近 6 个月", "last12Months": "近 12 个月", "last24Months": "近 24 个月",
    # Paging
    "page": "页", "of": "/", "to": "至", "firstPage": "首页", "lastPage": "末页",
    "nextPage": "下一页", "previousPage": "上一页", "pageLastRowUnknown": "?",
    "pageSizeSelectorLabel": "每页行数:", "ariaPageSizeSelectorLabel": "每页行数",
    # Validation
    "invalidDate": "日期无效", "invalidNumber": "数字无效", "invalidBigInt": "整数无效",
    "invalidSelectionValidation": "选择无效。", "maxDateValidation": "日期须早于 ${variable}",
    "minDateValidation": "日期须晚于 ${variable}",
    "maxLengthValidation": "最多 ${variable} 个字符。",
    "maxValueValidation": "须小于或等于 ${variable}。",
    "minValueValidation": "须大于或等于 ${variable}。", "tooltipValidationErrorSeparator": "; ",
    # Screen reader announcements (6.2 showed the row selection one on screen)
    "ariaRowSelect": "按空格键选择此行", "ariaRowDeselect": "按空格键取消选择此行",
    "ariaRowToggleSelection": "按空格键切换此行的选择", "ariaRowSelectAll": "按空格键全选或全不选",
    "ariaRowSelectionDisabled": "此行不可选择", "ariaChecked": "已选中",
    "ariaUnchecked": "未选中", "ariaIndeterminate": "部分选中",
    "ariaToggleCellValue": "按空格键切换单元格的值", "ariaSortableColumn": "按回车键排序",
    "ariaSortableColumnWithCellSelection": "按 ALT+回车键排序",
    "ariaColumnCellSelection": "按回车键选择此列所有可见单元格",
    "ariaColumnGroupCellSelection": "按回车键选择此列组所有可见单元格",
    "ariaColumnGroupCellSelectionAndExpansion":
        "按回车键选择此列组所有可见单元格; 按 ALT+回车键展开或收起此列组",
    "ariaColumnGroupExpansion": "按回车键展开或收起此列组", "ariaColumnFiltered": "已筛选的列",
    "ariaFilterColumn": "按 CTRL+回车键打开筛选", "ariaMenuColumn": "按 ALT+下箭头打开列菜单",
    "ariaDateFilterInput": "日期筛选输入", "ariaFilterInput": "筛选输入",
    "ariaFilterFromValue": "筛选起始值", "ariaFilterToValue": "筛选结束值",
    "ariaFilterValue": "筛选值", "ariaFilterMenuOpen": "打开筛选菜单",
    "ariaFilteringOperator": "筛选条件", "ariaLabelColumnFilter": "列筛选",
    "ariaLabelColumnMenu": "列菜单", "ariaLabelTooltip": "提示", "ariaHasNote": "此单元格有备注。",
    "ariaHeaderSelection": "带表头选择的列", "ariaInputEditor": "输入编辑器",
    "ariaPendingChange": "待保存的修改", "ariaValidationErrorPrefix": "单元格校验",
    "ariaSkeletonCellLoading": "正在加载行数据", "ariaSkeletonCellLoadingFailed": "行加载失败",
    "ariaDeferSkeletonCellLoading": "正在加载单元格",
    "thousandSeparator": ",", "decimalSeparator": ".",
}
