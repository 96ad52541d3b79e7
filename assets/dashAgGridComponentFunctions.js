// Cell renderers of the grids (dash-ag-grid looks them up by name).
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

// A policy or claim number opening that record's page (queries/links.py gives the path).
// A plain click navigates inside the app; Ctrl/middle click opens a new tab as links do.
dagcomponentfuncs.RecordLink = function (props) {
  var value = props.value;
  if (value === null || value === undefined || value === "") {
    return "";
  }
  var text = String(value);
  if (props.node && props.node.rowPinned) {
    return text;
  }
  // A name links by another field of the row (a customer's code), a number by itself.
  var key = props.keyField ? (props.data || {})[props.keyField] : text;
  if (key === null || key === undefined || key === "") {
    return text;
  }
  var href = props.path + "/" + encodeURIComponent(String(key).trim());
  return React.createElement("a", {
    href: href,
    className: "record-link",
    title: props.hint,
    onClick: function (event) {
      event.stopPropagation();
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      event.preventDefault();
      window.history.pushState({}, "", href);
      window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
      window.scrollTo(0, 0);
    },
  }, text);
};
