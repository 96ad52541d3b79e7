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
  var shown = value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  // A zero is never signed ("-0.00" from -0 or a tiny negative rounded away).
  return /^-[0.,]*$/.test(shown) ? shown.slice(1) : shown;
};
