// A summary grid's sort belongs to the server (layouts/summary_sort.py): a header the
// user clicked hands the new sort to the page, which asks the server again. Sorts the
// grid applies itself (its initial state) are not the user's and are ignored.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.summarySortChanged = function (params, setEventData) {
  if (params.source !== "uiColumnSorted") {
    return;
  }
  var sort = params.api.getColumnState().filter(function (c) { return c.sort; })
    .sort(function (a, b) { return (a.sortIndex || 0) - (b.sortIndex || 0); })
    .map(function (c) { return c.colId + ":" + c.sort; }).join(",");
  setEventData(sort);
};
