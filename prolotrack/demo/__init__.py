"""Loading the synthetic demo clinic (from prolotrack.domain.synthetic) into the database."""
