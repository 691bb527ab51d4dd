provider "aws" {
  region = "us-east-2"
}

resource "aws_eks_cluster" "training" {
  name     = "research-training"
  role_arn = "arn:aws:iam::123456789012:role/eks-training"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  }
}

resource "aws_eks_node_group" "h100" {
  cluster_name    = aws_eks_cluster.training.name
  node_group_name = "h100"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-nodes"
  subnet_ids      = ["subnet-0a1b2c3d"]
  instance_types  = ["p5.48xlarge"]

  scaling_config {
    desired_size = 16
    max_size     = 32
    min_size     = 0
  }
}
