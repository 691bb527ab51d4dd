# Two providers in one file: a bucket on each side of a migration.
resource "aws_s3_bucket" "old" {
  bucket = "acme-old"
  region = "eu-west-3"
}

resource "google_storage_bucket" "new" {
  name     = "acme-new"
  location = "europe-west9"
}
