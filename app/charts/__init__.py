"""Charts: Plotly figures built from data by pure functions, and Plotly served by the app."""
