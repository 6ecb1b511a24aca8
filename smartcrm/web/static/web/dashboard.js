/* The dashboard's charts: pipeline value by status (bars), prospects by status (doughnut).
   Data comes from json_script elements the page renders; nothing else is fetched. */
(function () {
  "use strict";

  if (typeof Chart === "undefined") { return; }
  // Whoever asked their system for less motion gets the charts drawn at once.
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  var language = document.documentElement.lang || "ro";
  var COLOURS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#6c757d"];
  var STATUS_COLOURS = {
    new: "#0d6efd", in_progress: "#fd7e14", qualified: "#198754",
    disqualified: "#adb5bd", converted: "#6f42c1"
  };

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function money(value, currency) {
    try {
      return new Intl.NumberFormat(language, { style: "currency", currency: currency }).format(value);
    } catch (error) {
      return value.toFixed(2) + " " + currency;
    }
  }

  var pipelineCanvas = document.getElementById("chart-pipeline");
  var pipeline = data("pipeline-data");
  if (pipelineCanvas && pipelineCanvas.tagName === "CANVAS" && pipeline) {
    new Chart(pipelineCanvas, {
      type: "bar",
      data: {
        labels: pipeline.labels,
        datasets: pipeline.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data.map(function (value) { return parseFloat(value); }),
            backgroundColor: COLOURS[index % COLOURS.length]
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: pipeline.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (context) { return money(context.parsed.y, context.dataset.label); }
            }
          }
        },
        scales: {
          y: {
            beginAtZero: true,
            ticks: {
              callback: function (value) { return new Intl.NumberFormat(language).format(value); }
            }
          }
        }
      }
    });
  }

  var prospectsCanvas = document.getElementById("chart-prospects");
  var prospects = data("prospects-data");
  if (prospectsCanvas && prospectsCanvas.tagName === "CANVAS" && prospects) {
    new Chart(prospectsCanvas, {
      type: "doughnut",
      data: {
        labels: prospects.labels,
        datasets: [{
          data: prospects.data,
          backgroundColor: prospects.statuses.map(function (status, index) {
            return STATUS_COLOURS[status] || COLOURS[index % COLOURS.length];
          })
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
})();
