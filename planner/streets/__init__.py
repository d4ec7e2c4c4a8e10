"""The street network: OpenStreetMap import through osmnx, snapping, travel matrices."""
