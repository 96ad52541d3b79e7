// Number formats for the grids: thousands separators, 2 decimals for money; empty for
// NULL (a loss ratio when premium is 0); text such as 合计 passes through.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.fmtNumber = function (value, decimals) {
  if (value === null || value === undefined || value === "") {
    return "";
  }
  if (typeof value === "string") {
    return value;
  }
  return value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
};
