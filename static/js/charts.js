// Renders every element with data-plotly="<id>" from the JSON in <script id="<id>">.
// Figures are built server-side (plotly.py); this file only hands them to plotly.js.
document.querySelectorAll("[data-plotly]").forEach(function (element) {
  var figure = JSON.parse(document.getElementById(element.dataset.plotly).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, {responsive: true, displaylogo: false});
});
