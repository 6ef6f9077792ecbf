"""The scoreboard: the quarter's scores, the appraisal's entries, and the team's table exported."""
