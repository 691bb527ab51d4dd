provider "google" {
  project = "openai-assets"
  region  = "us-central1"
}

resource "google_storage_bucket" "api_assets" {
  name     = "openai-api-static-assets"
  location = "US-CENTRAL1"

  labels = {
    product = "openai-api"
  }
}
