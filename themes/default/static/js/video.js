// Video shortcodes (youtube, vimeo) render as a link with a thumbnail, so
// nothing is loaded from the video site until the reader asks for it. A
// click swaps the link for the player; without JavaScript the link opens
// the video.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.video-link[data-embed]");
  if (!link) return;
  event.preventDefault();
  const frame = document.createElement("iframe");
  frame.src = link.dataset.embed;
  frame.title = link.dataset.title || "Video";
  frame.allow = "autoplay; fullscreen; picture-in-picture";
  frame.allowFullscreen = true;
  frame.width = "640";
  frame.height = "360";
  link.replaceWith(frame);
});
