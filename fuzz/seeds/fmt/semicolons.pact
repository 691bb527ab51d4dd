policy p { deny d { where gpu; in eu } effective from 2020-01-01; until 2021-01-01 }
