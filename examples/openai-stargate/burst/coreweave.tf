terraform {
  required_providers {
    coreweave = {
      source = "coreweave/coreweave"
    }
  }
}

resource "coreweave_cks_cluster" "burst" {
  name = "burst-training"
  zone = "US-EAST-04A"
}
